"""The audit log is hash-chained: `flask audit verify` finds an edited row, a deleted row
and deleted newest rows; operator commands write their entry with what they changed."""

from sqlalchemy import delete, select, update

from portal.audit import chain
from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.admin_helpers import audit_entries


def _write(app, count=5):
    with app.app_context():
        actor = chain.Actor("admin", "a@example.com", None, "admin", "127.0.0.1")
        for number in range(count):
            chain.record(
                actor,
                "test.action",
                target_type="player",
                target_id=number,
                before={"n": number},
                after={"n": number + 1},
                reason="because",
            )
        db.session.commit()


def _verify(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_intact_log_verifies(app):
    _write(app)
    code, output = _verify(app)
    assert code == 0 and "intact: 5 entries" in output


def test_an_edited_row_is_found(app):
    _write(app)
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(reason="edited"))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "entry 3 was changed" in output


def test_a_deleted_row_is_found(app):
    _write(app)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "entry 2 deleted" in output


def test_deleted_newest_rows_are_found(app):
    _write(app)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq >= 4))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "entries 4-5 deleted" in output


def test_a_rehashed_edit_without_the_key_is_found(make_app):
    """Recomputing the edited row's hash with another key does not hide the edit."""
    app = make_app()
    _write(app)
    other = make_app(AUDIT_KEY="someone else's key")
    with other.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 5))
        entry.reason = "forged"
        entry.hash = chain.entry_hash(entry)
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "entry 5 was changed" in output


def test_operator_commands_write_one_entry_each_with_secrets_masked(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["admins", "create", "--email", "ops@example.com", "--password", "Admin-pass-1234",
              "--role", "finance"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [entry] = audit_entries(app, "cli admins create")
    assert '"role": "finance"' in entry["after"] and "Admin-pass-1234" not in entry["after"]
    assert '"password": "***"' in entry["after"]
    runner.invoke(args=["brands", "list"])  # reads only: no entry
    assert len(audit_entries(app)) == 1
    assert _verify(app)[0] == 0


def test_parallel_writers_keep_one_unbroken_chain(app):
    """Admins and operators act at the same moment: every entry is chained after exactly
    one other (the head row is locked by each writer), on both databases."""
    import threading

    barrier = threading.Barrier(4)
    errors = []

    def write(worker: int):
        try:
            with app.app_context():
                actor = chain.Actor("admin", f"w{worker}@example.com")
                barrier.wait(10)
                for number in range(8):
                    chain.record(actor, "test.parallel", target_id=f"{worker}-{number}")
                    db.session.commit()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    code, output = _verify(app)
    assert code == 0 and "intact: 32 entries" in output


def test_a_deleted_head_is_reported_and_the_log_goes_on(app):
    from portal.audit.models import AuditHead

    _write(app, 3)
    with app.app_context():
        db.session.execute(delete(AuditHead))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "head is missing" in output
    _write(app, 1)  # a new entry follows the newest one; the chain is whole again
    assert _verify(app)[0] == 0
    assert [e["seq"] for e in audit_entries(app)] == [1, 2, 3, 4]
