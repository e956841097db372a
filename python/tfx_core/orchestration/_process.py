"""Who owns a RUNNING execution, and whether that process still runs.

An owner is "host/boot id/pid namespace/pid/start time": a pid alone is reused after a reboot
or once the kernel wraps around, the start time (in clock ticks since boot) and the boot id are
not; containers sharing a host name and kernel have pid namespaces of their own. When this
process cannot tell (another pid namespace or host, /proc hidden), the owner counts as alive.
"""

import os
import socket


def _boot_id():
  try:
    with open("/proc/sys/kernel/random/boot_id") as f:
      return f.read().strip()
  except OSError:
    return "unknown"


def _pid_namespace():
  try:
    return os.readlink("/proc/self/ns/pid").replace("/", "_")
  except OSError:
    return "unknown"


_GONE = "gone"


def _start_ticks(pid):
  """The process's start time in clock ticks since boot; _GONE if it does not exist; None if
  this process may not look (hidepid)."""
  try:
    with open("/proc/%d/stat" % pid) as f:
      stat = f.read()
  except FileNotFoundError:
    return _GONE
  except OSError:
    return None
  # The command name (field 2) may hold spaces and parentheses; fields after it are plain.
  return int(stat[stat.rindex(")") + 2:].split()[19])


def this_process():
  pid = os.getpid()
  return "%s/%s/%s/%d/%s" % (socket.gethostname(), _boot_id(), _pid_namespace(), pid,
                             _start_ticks(pid))


def is_gone(owner):
  """True when `owner` names a process of this machine that no longer runs; False when it
  still runs or lives elsewhere (a process on another host cannot be checked from here)."""
  try:
    host, boot, namespace, pid, ticks = owner.split("/")
    pid = int(pid)
  except ValueError:
    return False
  if host != socket.gethostname():
    return False
  if boot != _boot_id():
    return True  # The machine rebooted since.
  if namespace != _pid_namespace():
    return False
  now = _start_ticks(pid)
  if now is None:
    return False
  return now == _GONE or str(now) != ticks
