"""The web workspace, the JSON API and the CLI give the same assessment for the same facts."""

import json
from datetime import date

from oversight.accounts.services import issue_token
from oversight.extensions import db
from oversight.incidents import chains
from oversight.incidents.cli import assess as assess_command
from oversight.incidents.models import Incident
from tests.factories import PASSWORD, gen_entrustment, gen_organisation, gen_user
from tests.incidents.test_workspace_pages import FORM

AS_OF = "2026-11-23"


def test_the_ui_the_api_and_the_cli_agree(app, make_client, tmp_path):
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    gen_entrustment(shop, vendor, data_set="会員データ")
    staff = gen_user(vendor, role="contractor_user")
    web = make_client()
    web.login(staff.email, PASSWORD)
    assert web.post("/incidents/new", FORM).status_code == 302
    incident = db.session.query(Incident).one()
    (ui,) = chains.assessments(incident, as_of=date.fromisoformat(AS_OF))
    expected = ui.assessment.to_dict()

    token = issue_token(staff, "ticketing")[1]
    api = app.test_client().post(f"/api/v1/assessments?as_of={AS_OF}", json=ui.facts,
                                 headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.get_json() == expected

    facts_file = tmp_path / "facts.json"
    facts_file.write_text(json.dumps(ui.facts, ensure_ascii=False), encoding="utf-8")
    cli = app.test_cli_runner().invoke(assess_command, [str(facts_file), "--as-of", AS_OF])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == expected
    # A card number, unauthorised access, 1,200 persons: 施行規則7条2号, 3号 and 4号.
    assert [g["article"] for g in expected["grounds"]] == ["施行規則7条2号", "施行規則7条3号", "施行規則7条4号"]


def test_the_cli_names_each_bad_field_and_exits_2(app, tmp_path):
    facts_file = tmp_path / "facts.json"
    facts_file.write_text(json.dumps({"handler_kind": "company", "known_at": "2026-11-17",
                                      "data_items": ["name", "unicorn"], "max_persons": -1}), encoding="utf-8")
    result = app.test_cli_runner().invoke(assess_command, [str(facts_file)])
    assert result.exit_code == 2
    assert "data_items[1]:" in result.output and "max_persons:" in result.output


def test_the_readme_example_facts_file_is_assessed(app):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "incident-facts.json"
    result = app.test_cli_runner().invoke(assess_command, [str(example), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["reportable"] and out["parties"][1]["exempt"] and out["parties"][0]["must_report"]


def test_flask_assess_answers_without_building_the_app(tmp_path):
    """`flask assess` is a plugin command: it answers even where no app could be built, from a file or stdin."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    flask = Path(sys.executable).with_name("flask")
    env = {**os.environ, "FLASK_APP": "no_such_app_module"}
    example = (root / "examples" / "incident-facts.json").read_text(encoding="utf-8")
    done = subprocess.run([str(flask), "assess", "-", "--as-of", AS_OF], input=example, env=env, cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["parties"][1]["exempt"]

    code = ("import sys, oversight.incidents.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask_sqlalchemy', 'sqlalchemy', 'flask_babel', 'flask_login', 'psycopg')"
            " or m in ('oversight.app', 'oversight.extensions', 'oversight.incidents.services')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"
