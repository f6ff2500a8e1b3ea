"""The redelivery ledger is pruned on a schedule while the bot runs, and its size is bounded (issue 9,
defect 10). The clock is moved and the scheduled job run directly: nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

from bot import scheduler
from models import ledger
from models.tables import ProcessedUpdate, Product
from tests.helpers import all_rows, count


def pruning_job(harness):
    """The job the running application scheduled (one, by its fixed id)."""
    (job,) = harness.app.job_queue.get_jobs_by_name(scheduler.LEDGER_ID)
    return job


async def test_the_running_bot_prunes_old_markers_every_hour(harness, clock):
    job = pruning_job(harness)
    assert job.job.trigger.interval == timedelta(hours=1)
    assert "✅" in await harness.say("/usul perda Lama", update_id=5)
    clock.advance(timedelta(days=3, minutes=1))
    assert "✅" in await harness.say("/usul perda Baru", update_id=6)
    assert await count(harness, ProcessedUpdate) == 2
    await job.run(harness.app)
    assert [m.update_id for m in await all_rows(harness, ProcessedUpdate)] == [6]
    # The pruned write stays written; only its marker is gone.
    assert await count(harness, Product) == 2


async def test_the_ledger_keeps_at_most_its_bound_newest_first(harness, monkeypatch):
    monkeypatch.setattr(ledger, "MAX_MARKERS", 3)
    for update_id in range(10, 15):
        assert "✅" in await harness.say(f"/usul perda Judul Nomor {update_id}", update_id=update_id)
    await pruning_job(harness).run(harness.app)
    assert [m.update_id for m in await all_rows(harness, ProcessedUpdate)] == [12, 13, 14]
    # A redelivery of a kept update is still recognised: not applied again, no reply.
    assert await harness.send("/usul perda Judul Nomor 14", update_id=14) == []
    assert await count(harness, Product) == 5


async def test_a_failed_pruning_run_is_logged_and_the_bot_goes_on(harness, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(ledger, "prune", broken)
    await pruning_job(harness).run(harness.app)
    assert any("pruning the update ledger failed" in r.getMessage() for r in caplog.records)
    assert "Capaian" in await harness.say("/iku")
