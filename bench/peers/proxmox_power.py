"""proxmoxer peer for the Proxmox operation-latency benchmark.

Logs in once with a ticket (as proxmoxer does with user and password), then on request starts or
stops a VM the way proxmoxer users wait for a task: POST the action, then read the task's status,
and while it runs, sleep one second and read again (proxmoxer 2's Tasks.blocking_status polls once
a second; Debian's proxmoxer 1.2 has no helper, so scripts write this loop). This loop returns as
soon as it sees the task stopped, without blocking_status's extra sleep after the last read.

Protocol: commands "start NODE VMID", "stop NODE VMID", "quit" on stdin, one per line; each is
answered with one JSON line {"ms": elapsed, "requests": HTTP requests, "exitstatus": "..."}.
Configuration from the environment (BENCH_PVE_HOST, _PORT, _USER, _PASSWORD).
"""
import json
import os
import sys
import time
import warnings

from proxmoxer import ProxmoxAPI
from proxmoxer.core import ResourceException

POLL_SECONDS = 1.0


def wait_for_task(api, node, upid):
    requests = 0
    while True:
        requests += 1
        try:
            status = api.nodes(node).tasks(upid).status.get()
            if status["status"] == "stopped":
                return status.get("exitstatus"), requests
        except ResourceException as e:
            # Right after the start a task can be unknown for a moment ("no such task"): look again later.
            if e.status_code != 400:
                raise
        time.sleep(POLL_SECONDS)


def connect(timeout=30):
    """A ticket login, as proxmoxer does with user and password (also used by inventory_once.py)."""
    return ProxmoxAPI(
        os.environ["BENCH_PVE_HOST"],
        port=int(os.environ["BENCH_PVE_PORT"]),
        user=os.environ["BENCH_PVE_USER"],
        password=os.environ["BENCH_PVE_PASSWORD"],
        verify_ssl=False,
        timeout=timeout,
    )


def main():
    warnings.filterwarnings("ignore")
    api = connect()
    api.version.get()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if words == ["quit"]:
            break
        if len(words) != 3 or words[0] not in ("start", "stop"):
            print(json.dumps({"error": "unknown command %r" % line.strip()}), flush=True)
            continue
        action, node, vmid = words
        started = time.perf_counter()
        upid = getattr(api.nodes(node).qemu(vmid).status, action).post()
        exitstatus, polls = wait_for_task(api, node, upid)
        elapsed = (time.perf_counter() - started) * 1000
        print(json.dumps({"ms": elapsed, "requests": 1 + polls, "exitstatus": exitstatus}), flush=True)


if __name__ == "__main__":
    main()
