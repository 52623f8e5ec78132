"""The warm-hook and start-hook consoles, their versions and the warm pool (included by
`urls.py` under the `environments` namespace).

Each console's URLs are the same under …/warm-hook/ and …/start-hook/ (the view gets `kind`);
versions are shown, compared and restored through the console page's query string.
"""

from __future__ import annotations

from django.urls import path

from .views import console_stream, hooks, warm_pool

E = "environments/<uuid:env_id>"


def _console(slug: str) -> list:
    base = f"{E}/{slug}-hook"
    kind = {"kind": slug}
    return [
        path(f"{base}/", hooks.console, kind, name=f"{slug}_hook"),
        path(f"{base}/run/", hooks.run, kind, name=f"{slug}_hook_run"),
        path(
            f"{base}/runs/<int:run_id>/stream/",
            console_stream.stream,
            kind,
            name=f"{slug}_hook_stream",
        ),  # fmt: skip
        path(f"{base}/runs/<int:run_id>/stop/", hooks.stop, kind, name=f"{slug}_hook_stop"),
        path(f"{base}/runs/<int:run_id>/log/", hooks.log_file, kind, name=f"{slug}_hook_log"),
    ]


urlpatterns = [
    *_console("warm"),
    *_console("start"),
    path(f"{E}/warm-pool/", warm_pool.warm_pool, name="warm_pool"),
    path(f"{E}/warm-pool/toggle/", warm_pool.toggle, name="warm_pool_toggle"),
    path(
        f"{E}/warm-pool/workspaces/<uuid:workspace_id>/stream/",
        warm_pool.watch,
        name="warm_pool_watch",
    ),
]
