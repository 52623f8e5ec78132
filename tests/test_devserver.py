"""`make run`: if the emulator dies, the portal keeps serving and the terminal says so."""

from __future__ import annotations

from portal import devserver


class FakeProcess:
    def __init__(self, polls_until_exit: int, code: int) -> None:
        self.left = polls_until_exit
        self.code = code
        self.returncode = None

    def poll(self):
        if self.left <= 0:
            self.returncode = self.code
            return self.code
        self.left -= 1
        return None


def test_the_portal_outlives_the_emulator(monkeypatch, capsys):
    monkeypatch.setattr(devserver.time, "sleep", lambda s: None)
    emulator = FakeProcess(2, -9)
    portal = FakeProcess(10, 0)
    code = devserver.watch(portal, emulator)
    out = capsys.readouterr().out
    assert portal.left == 0  # watched until the portal itself stopped
    assert out.count("the emulator stopped (exit code -9)") == 1
    assert "keeps serving" in out and "unreachable" in out
    assert code == 1  # the portal stopping ends `make run` (with an error: it was unexpected)
