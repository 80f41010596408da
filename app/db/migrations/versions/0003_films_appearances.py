"""dataset format 2: films, places with appearances, tours as data, full-text search

The ``location`` table only mirrors the dataset files (it is refilled from data/ at start-up or by
``filmtour load``), so it is rebuilt in the new shape rather than converted; user data (``saved_route`` with its
delete-token hashes, ``geocode_cache``) is not touched. Saved routes keep their own copy of every stop, so they
read back the same whatever happened to the places.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 14:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Kept in step with app.db.search.PG_VECTOR (an expression index is only used by queries that repeat it).
PG_VECTOR = (
    "setweight(to_tsvector('english', name), 'A') || setweight(to_tsvector('english', search_text), 'B')"
)


def _drop_old_location() -> None:
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_visitable"))
        batch_op.drop_index(batch_op.f("ix_location_scene_order"))
        batch_op.drop_index(batch_op.f("ix_location_film_title"))
    op.drop_table("location")


def upgrade() -> None:
    _drop_old_location()
    op.create_table(
        "film",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_film_year"), "film", ["year"], unique=False)
    op.create_table(
        "location",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("visitable", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("confidence", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("locality", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("in_philadelphia", sa.Boolean(), nullable=False),
        sa.Column("precision_m", sa.Integer(), nullable=False),
        sa.Column("gone_since", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_location_visitable"), "location", ["visitable"], unique=False)
    op.create_index(op.f("ix_location_in_philadelphia"), "location", ["in_philadelphia"], unique=False)
    op.create_table(
        "appearance",
        sa.Column("location_id", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.String(length=120), nullable=False),
        sa.Column("scene", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("scene_order", sa.Integer(), nullable=True),
        sa.Column("sequence", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("exercise", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("filmed", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["film.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("location_id", "position"),
    )
    op.create_index(op.f("ix_appearance_film_id"), "appearance", ["film_id"], unique=False)
    op.create_table(
        "tour",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE location_fts USING fts5("
            "location_id UNINDEXED, name, films, scenes, address, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(f"CREATE INDEX ix_location_fts ON location USING GIN (({PG_VECTOR}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE location_fts")
    op.drop_table("tour")
    op.drop_index(op.f("ix_appearance_film_id"), table_name="appearance")
    op.drop_table("appearance")
    op.drop_index(op.f("ix_location_in_philadelphia"), table_name="location")
    op.drop_index(op.f("ix_location_visitable"), table_name="location")
    op.drop_table("location")  # the GIN index goes with it
    op.drop_index(op.f("ix_film_year"), table_name="film")
    op.drop_table("film")
    # Back to the format-1 table, empty: a format-1 version of the app reloads it from its own data file.
    op.create_table(
        "location",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("film_title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("film_year", sa.Integer(), nullable=False),
        sa.Column("scene_order", sa.Integer(), nullable=True),
        sa.Column("visitable", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("confidence", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_location_film_title"), "location", ["film_title"], unique=False)
    op.create_index(op.f("ix_location_scene_order"), "location", ["scene_order"], unique=False)
    op.create_index(op.f("ix_location_visitable"), "location", ["visitable"], unique=False)
