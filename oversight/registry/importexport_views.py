from flask import Blueprint

bp = Blueprint("importexport", __name__)


@bp.get("/data")
def index():
    return ""
