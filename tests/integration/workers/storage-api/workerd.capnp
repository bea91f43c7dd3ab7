# The same Worker for workerd, to produce the expected answers:
#   workerd serve workerd.capnp --socket-addr http=127.0.0.1:PORT --directory-path state=DIR
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mainWorker),
    (name = "state", disk = (writable = true)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8080", http = (), service = "main") ],
);

const mainWorker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "src/index.js") ],
  compatibilityDate = "2025-06-01",
  durableObjectNamespaces = [
    (className = "Probe", uniqueKey = "storage-api-Probe", enableSql = true),
    (className = "Legacy", uniqueKey = "storage-api-Legacy", enableSql = false),
  ],
  durableObjectStorage = (localDisk = "state"),
  bindings = [
    (name = "PROBE", durableObjectNamespace = "Probe"),
    (name = "LEGACY", durableObjectNamespace = "Legacy"),
  ],
);
