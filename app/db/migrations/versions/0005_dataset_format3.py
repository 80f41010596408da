"""dataset format 3: a place's as_of (when its present-day claims were checked) and an appearance's viewpoint

Both are nullable: the rows mirror data/ and are refilled by the loader at start-up; saved routes, their
delete-token hashes and the geocoder cache are not touched.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.add_column(sa.Column("as_of", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
    with op.batch_alter_table("appearance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("viewpoint", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appearance", schema=None) as batch_op:
        batch_op.drop_column("viewpoint")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_column("as_of")
