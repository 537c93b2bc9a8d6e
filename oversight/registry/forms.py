"""Registry forms. Labels are translated; choices are filled per request in the user's language."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from oversight.choices import (
    CERTIFICATION_SCHEME,
    CONTACT_ROLE,
    ENTRUSTMENT_ORIGIN,
    ORGANISATION_KIND,
    ORGANISATION_STATUS,
    REPORT_AUTHORITY,
    SUBCONTRACTING_TERMS,
)
from oversight.forms import select_choices
from oversight.templating import lang
from oversight.vocabulary import data_items

IDENTITY_FIELDS = ("name", "name_kana", "corporate_number", "kind", "industry", "address", "report_authority")
RECORD_FIELDS = ("status", "notes")


class OrganisationForm(FlaskForm):
    """The identity's public facts and, beside them, the user's own organisation's record (status, notes)."""

    name = StringField(_l("Name"))
    name_kana = StringField(_l("Name (kana)"))
    corporate_number = StringField(_l("Corporate number (13 digits)"))
    kind = SelectField(_l("Kind"))
    industry = StringField(_l("Industry"))
    address = StringField(_l("Address"))
    report_authority = SelectField(_l("Authority receiving leak reports"))
    status = SelectField(_l("Our trading status"))
    notes = TextAreaField(_l("Our notes (private to your organisation)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = select_choices(ORGANISATION_KIND.form_choices(lang()))
        self.status.choices = select_choices(ORGANISATION_STATUS.form_choices(lang()))
        self.report_authority.choices = select_choices(REPORT_AUTHORITY.form_choices(lang()))


class ContactForm(FlaskForm):
    role = SelectField(_l("Role"))
    name = StringField(_l("Name"))
    email = StringField(_l("E-mail"))
    phone = StringField(_l("Phone"))
    available_24_7 = BooleanField(_l("Reachable 24/7"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = select_choices(CONTACT_ROLE.form_choices(lang()))


class CertificationForm(FlaskForm):
    scheme = SelectField(_l("Certification"))
    number = StringField(_l("Registration number"))
    scope = StringField(_l("Scope"))
    expires_on = DateField(_l("Expires on"), validators=[Optional()])
    verified_on = DateField(_l("Verified on (today if empty)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme.choices = select_choices(CERTIFICATION_SCHEME.form_choices(lang()))


class EntrustmentForm(FlaskForm):
    consignor_id = SelectField(_l("Consignor (委託元)"), coerce=int, validate_choice=False)
    contractor_id = SelectField(_l("Contractor (委託先)"), coerce=lambda v: int(v) if v else None,
                                validate_choice=False)
    data_set = StringField(_l("Data set"))
    purpose = TextAreaField(_l("Purpose of the entrustment"))
    data_categories = StringField(_l("Data categories"))
    data_items = SelectMultipleField(_l("Data items"), validate_choice=False)
    person_count = IntegerField(_l("Number of persons"), validators=[Optional()])
    includes_sensitive = BooleanField(_l("Includes sensitive data (要配慮個人情報)"))
    includes_my_number = BooleanField(_l("Includes My Number data (特定個人情報)"))
    storage_country = StringField(_l("Storage country (ISO code)"), default="JP")
    start_on = DateField(_l("Start"), validators=[Optional()])
    end_on = DateField(_l("End"), validators=[Optional()])
    subcontracting_terms = SelectField(_l("Subcontracting terms"))

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        org_choices = select_choices((o.id, o.name) for o in organisations)
        self.consignor_id.choices = org_choices
        self.contractor_id.choices = org_choices
        self.data_items.choices = select_choices((code, e["ja"] if lang() == "ja" else e["en"])
                                                 for code, e in data_items().items())
        self.subcontracting_terms.choices = select_choices(SUBCONTRACTING_TERMS.form_choices(lang()))


class NewEntrustmentForm(EntrustmentForm):
    override_reason = TextAreaField(_l("Reason for starting without a required check (override)"))


class SubcontractForm(EntrustmentForm):
    origin = SelectField(_l("How it came to be recorded"))
    contractor_corporate_number = StringField(_l("…or the subcontractor's corporate number"))
    contractor_name = StringField(_l("and its name"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.consignor_id
        self.contractor_id.choices = select_choices([("", "—")]) + self.contractor_id.choices
        self.origin.choices = select_choices(ENTRUSTMENT_ORIGIN.form_choices(lang()))


class DecisionForm(FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = select_choices([("approve", _l("Approve")), ("reject", _l("Reject"))])

    decision = SelectField(_l("Decision"))
    conditions = TextAreaField(_l("Conditions of approval"))
    scope = TextAreaField(_l("Scope of data allowed"))
    reason = TextAreaField(_l("Reason for rejection"))
