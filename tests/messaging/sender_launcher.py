"""Starts sender processes for the crash test without paying Django's start-up each
time: this process imports Django once (without touching the database), then forks a
fresh sender process per "start" line on stdin and prints its pid; the test kills it
with SIGKILL. "wait <pid>" reaps one and prints its exit status.

    start [--until-empty ...sender options]   ->  <pid>
    wait <pid>                                ->  <exit status>
"""

from __future__ import annotations

import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
    django.setup()
    from django.core.management import call_command

    import groundswell.messaging.sender  # noqa: F401 - imported before forking

    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "start":
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    call_command("send_messages", *words[1:])
                except BaseException:  # noqa: BLE001 - reported through the exit status
                    import traceback

                    traceback.print_exc()
                    code = 1
                finally:
                    os._exit(code)
            print(pid, flush=True)
        elif words[0] == "wait":
            _pid, status = os.waitpid(int(words[1]), 0)
            print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    main()
