"""Alembic environment for Flask-Migrate."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

# Flask-SQLAlchemy 3.1: use db.engine directly (get_engine() warns, which breaks tests).
target_db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    """Render our column types as plain SQLAlchemy types so migrations never import the app."""
    from navigator.models.types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context, revision, directives):  # type: ignore[no-untyped-def]
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.pop("render_as_batch", None)
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("render_item", render_item)
    connectable = target_db.engine
    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it to a new one and dropping the old: with foreign
            # keys on, that drop would cascade to every row that refers to it (a referral's
            # screens, events, notes). Off while migrating (it cannot change inside a
            # transaction), then checked before it is on again.
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            render_as_batch=sqlite,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
