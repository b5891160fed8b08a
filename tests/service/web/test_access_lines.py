"""Access lines: at once when rare, gathered into one write when they come close together."""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator

from service.web.access_log import LineWriter, render_line, writer
from tests.support.waiting import wait_for


class Recording(io.StringIO):
    """A stand-in for stderr that keeps each ``write`` call apart."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        if not text.startswith('{"ts"'):  # an app's access lines, from another test
            self.writes.append(text)
        return len(text)


@contextlib.contextmanager
def recorded_stderr() -> Iterator[Recording]:
    """``sys.stderr`` recorded within the block (set in the test's body: pytest puts its
    own capture in place as a test's call begins, after its fixtures)."""
    writer().flush()  # lines of earlier tests' requests leave first, not into the record
    recording = Recording()
    kept = sys.stderr
    sys.stderr = recording
    try:
        yield recording
    finally:
        sys.stderr = kept


def test_a_rare_line_is_written_at_once() -> None:
    lines = LineWriter(gather_seconds=0.05)
    with recorded_stderr() as stderr:
        lines.write("one")
        assert stderr.writes == ["one\n"]
        time.sleep(0.06)
        lines.write("two")
        assert stderr.writes == ["one\n", "two\n"]


def test_lines_close_together_leave_in_order_in_one_write() -> None:
    lines = LineWriter(gather_seconds=0.2)
    with recorded_stderr() as stderr:
        for n in range(50):
            lines.write(f"line {n}")
        assert stderr.writes == ["line 0\n"]  # the rest wait for the gathering thread
        assert wait_for(lambda: len(stderr.writes) == 2, timeout=10)
    assert stderr.writes[1] == "".join(f"line {n}\n" for n in range(1, 50))


def test_gathered_lines_past_the_limit_are_written_without_waiting() -> None:
    lines = LineWriter(gather_seconds=3600, gather_limit=100)
    with recorded_stderr() as stderr:
        lines.write("first")
        for n in range(20):
            lines.write(f"{n:010d}")  # 10 of these reach the limit
    assert stderr.writes[0] == "first\n"
    assert stderr.writes[1:] == ["".join(f"{n:010d}\n" for n in range(10)),
                                 "".join(f"{n:010d}\n" for n in range(10, 20))]


def test_gathered_lines_leave_in_whole_lines_of_at_most_pipe_buf_bytes() -> None:
    lines = LineWriter(gather_seconds=3600)
    sent = [f"{n:05d} " + "x" * (n % 700) for n in range(200)] + ["long " + "y" * 9000]
    with recorded_stderr() as stderr:
        for line in ["first", *sent]:
            lines.write(line)
        lines.flush()
    writes = stderr.writes[1:]
    assert len(writes) > 1
    assert all(w.endswith("\n") for w in writes)
    assert all(len(w) <= select.PIPE_BUF for w in writes[:-1])
    assert writes[-1] == "long " + "y" * 9000 + "\n"  # longer than a piece: alone
    assert "".join(writes).splitlines() == sent


def test_two_workers_gathering_into_one_pipe_never_cut_each_others_lines() -> None:
    # Both start writing at once, and the pipe is full before it is read: writers then
    # wait inside their writes, and a write longer than PIPE_BUF is taken in parts.
    code = ("import sys, time\n"
            "from service.web.access_log import LineWriter\n"
            "w = LineWriter(gather_seconds=3600, gather_limit=10**9)\n"
            "w.write('start')\n"
            "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
            "for n in range(8000):\n"
            "    w.write(f'{sys.argv[1]} {n:05d} ' + 'z' * 300)\n"
            "    if n % 200 == 199: w.flush()\n")
    read, write = os.pipe()
    start = time.time() + 2
    workers = [subprocess.Popen([sys.executable, "-c", code, name, str(start)], stderr=write)
               for name in ("a", "b")]
    os.close(write)
    time.sleep(max(0.0, start + 0.3 - time.time()))
    with os.fdopen(read, "rb") as pipe:
        out = pipe.read().decode()
    for worker in workers:
        assert worker.wait(timeout=60) == 0
    got = [line for line in out.splitlines() if line != "start"]
    assert len(got) == 16000
    for name in ("a", "b"):
        mine = [line for line in got if line.startswith(name + " ")]
        assert mine == [f"{name} {n:05d} " + "z" * 300 for n in range(8000)]


def test_gathered_lines_are_written_before_the_process_exits() -> None:
    code = ("from service.web.access_log import LineWriter\n"
            "w = LineWriter(gather_seconds=3600)\n"
            "for n in range(100): w.write(f'line {n}')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stderr.splitlines() == [f"line {n}" for n in range(100)]


def test_a_forked_child_does_not_write_its_parents_gathered_lines() -> None:
    code = ("import os, sys\n"
            "from service.web.access_log import LineWriter\n"
            "w = LineWriter(gather_seconds=3600)\n"
            "w.write('parent first'); w.write('parent gathered')\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    w.write('child'); w.flush(); sys.stderr.flush(); os._exit(0)\n"
            "os.waitpid(pid, 0)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert sorted(done.stderr.splitlines()) == ["child", "parent first", "parent gathered"]


def test_the_process_has_one_writer() -> None:
    assert writer() is writer()


def test_a_line_is_the_json_that_json_dumps_writes_whatever_the_values() -> None:
    names = ("ts", "request_id", "method", "path", "endpoint", "status", "ms", "bytes",
             "client", "site", "pid")
    hostile = '/a"b\\c\n\r\t\x00\x1f\x7f é 中 \U0001f600 \ud800 </script>'
    for values in (
        ("2026-11-29T21:01:08Z", "0" * 32, "GET", "/v1/challenge", "/v1/challenge", 200,
         0.43, 312, "cl13nt", "hk_site", 4321),
        ("t", "r", "PROPFIND", hostile, None, 404, None, None, None, None, 1),
        ("t", hostile, hostile, "", hostile, 500, 12345.67, 0, hostile, hostile, 0),
        ("t", "r", "GET", "/", "/", 200, 1e-05, 2 ** 40, 7, 2.5, 99),
    ):
        expected = json.dumps(dict(zip(names, values, strict=True)), separators=(",", ":"))
        assert render_line(*values) == expected
        assert json.loads(render_line(*values))["path"] == values[3]
