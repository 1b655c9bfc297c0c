"""pyVmomi peer for the vSphere inventory benchmark.

Logs in once (the session stays warm), then reads the same VM properties our driver reads, on
request, in one of two ways:
  fast  one RetrievePropertiesEx over a container view (VirtualMachine + HostSystem), paged with
        maxObjects and ContinueRetrievePropertiesEx: what pyVmomi's community samples recommend;
  slow  the VM list from the view, then one property read per VM (one round trip each), the
        pattern of most scripts, which walk `view.view` and read each VM's properties.
Both build the same records our listVms returns (id, name, node, state, template).

Protocol: reads commands ("fast", "slow", "quit") on stdin, one per line, and answers each with
one JSON line {"ms": elapsed, "vms": records}. Configuration comes from the environment
(BENCH_VSPHERE_HOST, _PORT, _USER, _PASSWORD, _CAFILE), so that no credential shows in `ps`.
"""
import json
import os
import ssl
import sys
import time

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

VM_PATHS = [
    "name",
    "config.instanceUuid",
    "config.template",
    "runtime.powerState",
    "runtime.connectionState",
    "runtime.host",
]
POWER = {"poweredOn": "running", "poweredOff": "stopped", "suspended": "suspended"}
PAGE = 1000
PC = vmodl.query.PropertyCollector


def connect():
    context = ssl.create_default_context(cafile=os.environ["BENCH_VSPHERE_CAFILE"])
    context.check_hostname = False
    return SmartConnect(
        host=os.environ["BENCH_VSPHERE_HOST"],
        port=int(os.environ["BENCH_VSPHERE_PORT"]),
        user=os.environ["BENCH_VSPHERE_USER"],
        pwd=os.environ["BENCH_VSPHERE_PASSWORD"],
        sslContext=context,
    )


def record(moref, props, host_names):
    host = props.get("runtime.host")
    connected = props.get("runtime.connectionState", "connected") == "connected"
    return {
        "id": props.get("config.instanceUuid") or moref._moId,
        "name": props.get("name", moref._moId),
        "node": host_names.get(host._moId, host._moId) if host is not None else None,
        "state": POWER.get(props.get("runtime.powerState"), "unknown") if connected else "unknown",
        "template": bool(props.get("config.template")),
    }


def retrieve_all(pc, spec):
    result = pc.RetrievePropertiesEx([spec], PC.RetrieveOptions(maxObjects=PAGE))
    objects = list(result.objects) if result else []
    while result is not None and result.token:
        result = pc.ContinueRetrievePropertiesEx(result.token)
        objects.extend(result.objects)
    return objects


def fast(content):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine, vim.HostSystem], True)
    try:
        traversal = PC.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)
        spec = PC.FilterSpec(
            objectSet=[PC.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
            propSet=[
                PC.PropertySpec(type=vim.VirtualMachine, pathSet=VM_PATHS),
                PC.PropertySpec(type=vim.HostSystem, pathSet=["name"]),
            ],
        )
        objects = retrieve_all(content.propertyCollector, spec)
    finally:
        view.Destroy()
    props = [(o.obj, {p.name: p.val for p in o.propSet}) for o in objects]
    host_names = {obj._moId: p["name"] for obj, p in props if isinstance(obj, vim.HostSystem)}
    return [record(obj, p, host_names) for obj, p in props if isinstance(obj, vim.VirtualMachine)]


def slow(content):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        vms = list(view.view)
    finally:
        view.Destroy()
    host_names = {}
    records = []
    for vm in vms:
        # As pyvmomi-community-samples' getallvms.py: one `summary` read per VM.
        summary = vm.summary
        host = summary.runtime.host
        if host is not None and host._moId not in host_names:
            host_names[host._moId] = host.name
        props = {
            "name": summary.config.name,
            "config.instanceUuid": summary.config.instanceUuid,
            "config.template": summary.config.template,
            "runtime.powerState": summary.runtime.powerState,
            "runtime.connectionState": summary.runtime.connectionState,
            "runtime.host": host,
        }
        records.append(record(vm, props, host_names))
    return records


def main():
    si = connect()
    content = si.RetrieveContent()
    modes = {"fast": fast, "slow": slow}
    print(json.dumps({"ready": True, "about": content.about.fullName}), flush=True)
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "quit":
                break
            if command not in modes:
                print(json.dumps({"error": "unknown command %r" % command}), flush=True)
                continue
            started = time.perf_counter()
            records = modes[command](content)
            elapsed = (time.perf_counter() - started) * 1000
            print(json.dumps({"ms": elapsed, "vms": len(records)}), flush=True)
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
