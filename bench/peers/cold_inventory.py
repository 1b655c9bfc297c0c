"""The peers' whole cold script, for the first-getVms benchmark (bench/items/coldInventory.ts).

  cold_inventory.py proxmox   import proxmoxer, ticket login, GET /cluster/resources?type=vm
  cold_inventory.py vsphere   import pyVmomi, login, one RetrievePropertiesEx over a container
                              view (vsphere_inventory.py's fast way), logout

Each builds the records our getVms returns and prints their number. The benchmark times the
whole process, from spawn to exit: what a pipeline step running this script pays. Settings come
from the environment, as in inventory_once.py.
"""
import sys
import warnings


def proxmox():
    import proxmox_power

    api = proxmox_power.connect()
    return [
        {"id": str(r["vmid"]), "name": r.get("name", str(r["vmid"])), "node": r["node"], "state": r.get("status", "unknown"), "template": bool(r.get("template"))}
        for r in api.cluster.resources.get(type="vm")
    ]


def vsphere():
    import vsphere_inventory
    from pyVim.connect import Disconnect

    si = vsphere_inventory.connect()
    try:
        return vsphere_inventory.fast(si.RetrieveContent())
    finally:
        Disconnect(si)


def main():
    warnings.filterwarnings("ignore")
    records = {"proxmox": proxmox, "vsphere": vsphere}[sys.argv[1]]()
    print(len(records), flush=True)


if __name__ == "__main__":
    main()
