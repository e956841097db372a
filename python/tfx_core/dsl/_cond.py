"""Conditional nodes: `with Cond(predicate): ...` runs the nodes defined inside only when the
predicate over an upstream artifact holds in that run, as TFX's tfx.dsl.Cond does.

    with Cond(evaluator.outputs["blessing"].future()[0].custom_property("blessed") == 1):
      pusher = Pusher(...)

A node whose condition is false is not run (its execution is CANCELED, the node SKIPPED, and
so are the nodes downstream of it); the run still succeeds. Predicates combine with
logical_and / logical_or / logical_not (or &, |, ~).
"""

import threading

from tfx_core.dsl._values import to_ir_value
from tfx_core.proto import pipeline_pb2 as ppb

_ACTIVE = threading.local()  # The conditions of the `with Cond(...)` blocks being entered.


def active_conditions():
  return list(getattr(_ACTIVE, "stack", []))


class Predicate:
  """A condition; build one by comparing an artifact placeholder with a constant."""

  def __init__(self, proto, channels):
    self.proto = proto
    self.channels = channels  # The channels it reads: their producers run first.

  def __and__(self, other):
    return logical_and(self, other)

  def __or__(self, other):
    return logical_or(self, other)

  def __invert__(self):
    return logical_not(self)

  def __bool__(self):
    raise TypeError("a Cond predicate is evaluated when the pipeline runs, not in Python: "
                    "combine predicates with logical_and / logical_or / logical_not (& | ~), "
                    "not `and` / `or` / `not`")


def _logical(op, predicates):
  for p in predicates:
    if not isinstance(p, Predicate):
      raise TypeError("logical operators take predicates, got %r" % (p,))
  proto = ppb.Predicate(logical=ppb.Logical(op=op, operands=[p.proto for p in predicates]))
  return Predicate(proto, [c for p in predicates for c in p.channels])


def logical_and(*predicates):
  return _logical(ppb.Logical.AND, predicates)


def logical_or(*predicates):
  return _logical(ppb.Logical.OR, predicates)


def logical_not(predicate):
  return _logical(ppb.Logical.NOT, [predicate])


class ArtifactPlaceholder:
  """The index-th artifact of a channel, once its producer has run: compare its
  .property(name), .custom_property(name), .value or .uri with a constant."""

  def __init__(self, channel, index, field=None):
    self._channel, self._index, self._field = channel, index, field

  def _with(self, **field):
    return ArtifactPlaceholder(self._channel, self._index, field)

  @property
  def value(self):
    return self._with(value=True)

  @property
  def uri(self):
    return self._with(uri=True)

  # Defined after the @property uses above: inside the class body this name shadows the builtin.
  def property(self, name):
    return self._with(property=name)

  def custom_property(self, name):
    return self._with(custom_property=name)

  def _compare(self, op, constant):
    if self._field is None:
      raise TypeError("compare a property, custom_property, value or uri of the artifact, "
                      "not the artifact itself")
    if self._channel.producer_id is None:
      raise ValueError("Cond predicates read outputs of nodes in the pipeline; %r has no "
                       "producer" % (self._channel,))
    left = ppb.ArtifactValue(producer_node_id=self._channel.producer_id,
                             output_key=self._channel.output_key, index=self._index,
                             **self._field)
    proto = ppb.Predicate(comparison=ppb.Comparison(left=left, op=op,
                                                    right=to_ir_value(constant)))
    return Predicate(proto, [self._channel])

  def __eq__(self, other):
    return self._compare(ppb.Comparison.EQUAL, other)

  def __ne__(self, other):
    return self._compare(ppb.Comparison.NOT_EQUAL, other)

  def __lt__(self, other):
    return self._compare(ppb.Comparison.LESS, other)

  def __le__(self, other):
    return self._compare(ppb.Comparison.LESS_EQUAL, other)

  def __gt__(self, other):
    return self._compare(ppb.Comparison.GREATER, other)

  def __ge__(self, other):
    return self._compare(ppb.Comparison.GREATER_EQUAL, other)

  __hash__ = None


class ChannelFuture:
  """channel.future(): the channel's artifacts as the run will have them; [i] picks one."""

  def __init__(self, channel):
    self._channel = channel

  def __getitem__(self, index):
    if not isinstance(index, int):
      raise TypeError("index a channel's future with an int, got %r" % (index,))
    return ArtifactPlaceholder(self._channel, index)


class Cond:
  """`with Cond(predicate):` — the nodes defined inside run only if `predicate` holds."""

  def __init__(self, predicate):
    if not isinstance(predicate, Predicate):
      raise TypeError("Cond takes a predicate such as channel.future()[0].custom_property("
                      "'blessed') == 1, got %r" % (predicate,))
    self.predicate = predicate

  def __enter__(self):
    if not hasattr(_ACTIVE, "stack"):
      _ACTIVE.stack = []
    _ACTIVE.stack.append(self.predicate)
    return self

  def __exit__(self, *exc):
    _ACTIVE.stack.pop()
    return False
