import gc
import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def test_workers_freeze_the_loaded_framework_out_of_the_collectors_view(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    config = runpy.run_path(str(CONFIG))
    assert config["workers"] == 3
    # ASGI: live event streams wait in each worker's event loop, pages run as before.
    assert config["wsgi_app"] == "project.asgi:application"
    assert config["worker_class"] == "project.workers.TandemWorker"
    try:
        config["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000  # Django and the project, not a handful
    finally:
        gc.unfreeze()
