"""One inventory read in a fresh process, the peers' side of the inventory-at-scale benchmark.

  inventory_once.py proxmox   proxmoxer: ticket login, then GET /cluster/resources?type=vm
  inventory_once.py vsphere   pyVmomi: login, then one RetrievePropertiesEx over a container view
                              (vsphere_inventory.py's fast way)

Both build the records our getVms returns (id, name, node, state, template), then print one JSON
line {"ms", "vms", "mb"}: `mb` is the resident memory the read added at its peak, measured as
bench/lib/inventoryProbe.ts measures ours (the kernel's high-water mark reset after the login).
Settings from the environment: BENCH_PVE_HOST/_PORT/_USER/_PASSWORD, or BENCH_VSPHERE_* as in
vsphere_inventory.py.
"""
import json
import sys
import time
import warnings


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in /proc/self/status" % field)


def proxmox():
    import proxmox_power

    api = proxmox_power.connect(timeout=300)

    def read():
        return [
            {
                "id": str(r["vmid"]),
                "name": r.get("name", str(r["vmid"])),
                "node": r["node"],
                "state": r.get("status", "unknown"),
                "template": bool(r.get("template")),
            }
            for r in api.cluster.resources.get(type="vm")
        ]

    return read


def vsphere():
    import vsphere_inventory

    content = vsphere_inventory.connect().RetrieveContent()
    return lambda: vsphere_inventory.fast(content)


def main():
    warnings.filterwarnings("ignore")
    read = {"proxmox": proxmox, "vsphere": vsphere}[sys.argv[1]]()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status_kb("VmRSS")
    started = time.perf_counter()
    records = read()
    ms = (time.perf_counter() - started) * 1000
    mb = (status_kb("VmHWM") - before) / 1024
    print(json.dumps({"ms": ms, "vms": len(records), "mb": mb}), flush=True)


if __name__ == "__main__":
    main()
