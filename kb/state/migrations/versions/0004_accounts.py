"""Staff accounts: people who sign in, the keys they own, and an audit log nobody can edit.

users holds each person (roles, an argon2id password hash, a TOTP secret, the single sign-on
subject); recovery_codes their single-use codes (hashed); account_links the invitation and
password-reset links (hashed, single use, expiring); audit_log every sign-in and change, append
only (a trigger refuses UPDATE and DELETE); site_switches what admins turn on from the pages.
api_keys gain an owner, an expiry and when they were last used; staff_sessions may belong to a
person (user_id, and how they signed in) instead of a key.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"

APPEND_ONLY_SQLITE = """
CREATE TRIGGER audit_log_no_{verb} BEFORE {verb} ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
"""
APPEND_ONLY_POSTGRES = (
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
)


def upgrade() -> None:
    text, integer = sa.Text(), sa.Integer()
    op.create_table(
        "users",
        sa.Column("id", integer, primary_key=True),
        sa.Column("email", text, nullable=False, unique=True),
        sa.Column("name", text, nullable=False),
        sa.Column("roles", text, nullable=False),  # comma separated, e.g. "agent,writer"
        sa.Column("password_hash", text),
        sa.Column("totp_secret", text),
        sa.Column("totp_enabled", integer, nullable=False, server_default="0"),
        sa.Column("totp_last_step", integer, nullable=False, server_default="0"),
        sa.Column("sso_subject", text, unique=True),
        sa.Column("created_at", text, nullable=False),
        sa.Column("disabled_at", text),
        sa.Column("last_sign_in_at", text),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", integer, primary_key=True),
        sa.Column("user_id", integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("code_hash", text, nullable=False),
        sa.Column("used_at", text),
    )
    op.create_index("recovery_codes_user", "recovery_codes", ["user_id"])
    op.create_table(
        "account_links",
        sa.Column("token_hash", text, primary_key=True),
        sa.Column("user_id", integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("purpose", text, nullable=False),  # invitation or reset
        sa.Column("created_at", text, nullable=False),
        sa.Column("expires_at", text, nullable=False),
        sa.Column("used_at", text),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", integer, primary_key=True),
        sa.Column("at", text, nullable=False),
        sa.Column("actor", text, nullable=False),
        sa.Column("actor_email", text, nullable=False, server_default=""),
        sa.Column("actor_id", integer),
        sa.Column("address", text, nullable=False, server_default=""),
        sa.Column("action", text, nullable=False),
        sa.Column("target", text, nullable=False, server_default=""),
        sa.Column("detail", text, nullable=False, server_default=""),
    )
    op.create_index("audit_log_at", "audit_log", ["at"])
    op.create_index("audit_log_action", "audit_log", ["action"])
    op.create_table(
        "site_switches",
        sa.Column("name", text, primary_key=True),
        sa.Column("value", text, nullable=False),
        sa.Column("changed_at", text, nullable=False),
        sa.Column("changed_by", text, nullable=False),
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("user_id", integer))
        batch.create_foreign_key("api_keys_user", "users", ["user_id"], ["id"])
        batch.add_column(sa.Column("expires_at", text))
        batch.add_column(sa.Column("last_used_at", text))
    with op.batch_alter_table("staff_sessions") as batch:
        batch.alter_column("key_hash", existing_type=text, nullable=True)
        batch.add_column(sa.Column("user_id", integer))
        batch.create_foreign_key("staff_sessions_user", "users", ["user_id"], ["id"])
        batch.add_column(sa.Column("method", text, nullable=False, server_default="key"))
    op.create_index("staff_sessions_user", "staff_sessions", ["user_id"])
    if op.get_bind().dialect.name == "postgresql":
        for statement in APPEND_ONLY_POSTGRES:
            op.execute(statement)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(APPEND_ONLY_SQLITE.format(verb=verb))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_index("staff_sessions_user", "staff_sessions")
    with op.batch_alter_table("staff_sessions") as batch:
        batch.drop_column("method")
        batch.drop_constraint("staff_sessions_user", type_="foreignkey")
        batch.drop_column("user_id")
        batch.alter_column("key_hash", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
        batch.drop_constraint("api_keys_user", type_="foreignkey")
        batch.drop_column("user_id")
    for table in ("site_switches", "audit_log", "account_links", "recovery_codes", "users"):
        op.drop_table(table)
