"""Steps the browser stories share."""

import re

from tests.factories import PASSWORD


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/$"))


def log_out(page) -> None:
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login"))
