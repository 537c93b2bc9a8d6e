from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from oversight import permissions as perm
from oversight.accounts.auth import requires
from oversight.extensions import db
from oversight.trail import services
from oversight.trail.models import TrailRecord

bp = Blueprint("trail", __name__)


@bp.get("/trail")
@requires("trail.view")
def index():
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    per_page = 50
    query = perm.restrict_trail(select(TrailRecord), current_user)
    object_type = request.args.get("object_type")
    if object_type in ("organisation", "entrustment", "user", "api_token"):
        query = query.where(TrailRecord.object_type == object_type)
        if request.args.get("object_id", "").isdigit():
            query = query.where(TrailRecord.object_id == int(request.args["object_id"]))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    records = db.session.scalars(query.order_by(TrailRecord.seq.desc())
                                 .limit(per_page).offset((page - 1) * per_page)).all()
    return render_template("trail/index.html", records=records, total=total, page=page, per_page=per_page,
                           verification=services.verify(), diff=services.diff)
