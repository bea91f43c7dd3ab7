# Every message between isolates and between dohost processes. The
# in-process router and the socket transport carry these same bytes.
@0x9f0a43b2f44f2b87;

$import "/capnp/c++.capnp".namespace("dohost::rpc::schema");

# Where a call goes: a Worker, and within it a Durable Object (className
# and objectId set) or an entrypoint (className empty).
struct Target {
  worker @0 :Text;
  className @1 :Text;
  objectId @2 :Text;      # 64 lowercase hex digits
  objectName @3 :Text;    # the name it was made from, when hasName
  hasName @4 :Bool;
  entrypoint @5 :Text;    # for entrypoints: "" is the default export
  exportId @6 :UInt64;    # when not 0: a function or RpcTarget that `worker`
                          # lent out by reference (className is then empty)
}

# One operation on a target, as a stub's user code asked for it:
# `stub.a.b.method(...args)` is op `call` with path ["a", "b"] and method
# "method"; `await stub.a.prop` is op `get`; `stub.fetch(request)` is op
# `fetch` with method "fetch" and args [request], where request is
# {method, url, headers: [[name, value]...], redirect, body: Uint8Array or
# null}, and the Return's value is {status, statusText, headers, body}.
# `args` is the argument array in V8 structured-clone form
# (ValueSerializer). Calls from one caller to one target are delivered in
# the order they were sent.
struct Call {
  callId @0 :UInt64;      # unique among the caller's calls in flight
  target @1 :Target;
  method @2 :Text;        # the last name of the path
  args @3 :Data;
  path @4 :List(Text);    # the names before `method`
  op @5 :Op;
  caller @6 :Text;        # the Worker that made the call
  hasCaps @7 :Bool;       # args hold capability markers (see below)

  enum Op {
    call @0;
    get @1;
    fetch @2;
    release @3;           # the caller dropped its last stub of target.exportId
  }
}

# Capabilities: a function, an RpcTarget or a stub inside args or a value
# travels as a marker object {"\u0000dohost.cap": descriptor}, and the
# message's hasCaps is set. Descriptors: ["x", worker, exportId, isFunction]
# an export of `worker` (calls go to Target{worker, exportId}; the receiver
# sends op `release` when it drops it); ["a", worker, className, hex, name]
# a Durable Object; ["s", worker, entrypoint] a service. Everything needed
# to reach a capability is in the message: Worker names, never pointers.

# The answer to one Call. `error` holds a structured-clone error
# descriptor {type, name, message}. `failure` says, for a person, why the
# call never reached an answer (its Worker is not running, its process
# went away mid-call); the router and the transport make it.
struct Return {
  callId @0 :UInt64;
  union {
    value @1 :Data;
    error @2 :Data;
    failure @4 :Text;
  }
  hasCaps @3 :Bool;       # value holds capability markers
}
