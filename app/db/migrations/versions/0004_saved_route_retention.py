"""saved routes: when each was last read (retention of unread ones) and who saved it (per-client quota)

Existing routes count as read when they were saved; their saver is unknown (outside every client's quota).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("saved_route", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_viewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("client_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    op.execute("UPDATE saved_route SET last_viewed_at = created_at")
    with op.batch_alter_table("saved_route", schema=None) as batch_op:
        batch_op.alter_column("last_viewed_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f("ix_saved_route_last_viewed_at"), ["last_viewed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_saved_route_client_hash"), ["client_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("saved_route", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_route_client_hash"))
        batch_op.drop_index(batch_op.f("ix_saved_route_last_viewed_at"))
        batch_op.drop_column("client_hash")
        batch_op.drop_column("last_viewed_at")
