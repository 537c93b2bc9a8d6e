from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from oversight import inputs
from oversight import permissions as perm
from oversight.accounts.auth import requires
from oversight.extensions import db
from oversight.trail import services
from oversight.trail.models import TrailRecord

bp = Blueprint("trail", __name__)


@bp.get("/trail")
@requires("trail.view")
def index():
    page = inputs.page_number(request.args.get("page"))
    per_page = 50
    query = perm.restrict_trail(select(TrailRecord), current_user)
    object_type = request.args.get("object_type")
    if object_type in ("organisation", "entrustment", "user", "api_token"):
        query = query.where(TrailRecord.object_type == object_type)
        if request.args.get("object_id"):
            query = query.where(TrailRecord.object_id == (inputs.object_id(request.args["object_id"]) or 0))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    records = db.session.scalars(query.order_by(TrailRecord.seq.desc())
                                 .limit(per_page).offset((page - 1) * per_page)).all()
    return render_template("trail/index.html", records=records, total=total, page=page, per_page=per_page,
                           verification=services.verify(), diff=services.diff)
