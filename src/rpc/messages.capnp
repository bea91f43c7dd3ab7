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
}

# An RPC method call. `args` is the argument array in V8 structured-clone
# form (ValueSerializer).
struct Call {
  callId @0 :UInt64;
  target @1 :Target;
  method @2 :Text;
  args @3 :Data;
}

# The answer to one Call. `error` holds a structured-clone error
# descriptor {type, name, message}. `failure` says, for a person, why the
# call never reached an answer (its Worker is not running, its process
# went away mid-call); the router and the transport make it.
struct Return {
  callId @0 :UInt64;
  union {
    value @1 :Data;
    error @2 :Data;
    failure @3 :Text;
  }
}
