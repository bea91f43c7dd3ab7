// OutputGate and ObjectStorage: commits of an object's write batch, and the replies that wait
// for them.
#include <utility>

#include "dohost/log.h"

#include "object_storage.h"

namespace dohost::actor {

OutputGate::OutputGate(EventLoop& loop,
                       storage::Database& database,
                       Failure onFailure,
                       std::chrono::milliseconds commitDelay)
    : loop_(loop),
      database_(&database),
      commitDelay_(commitDelay),
      onFailure_(std::move(onFailure)) {}

void OutputGate::whenDurable(std::function<void()> then,
                             std::function<void(const std::string&)> fail) {
  // Waiting work keeps its order: what finds others waiting waits too.
  if (database_ && (database_->batchHasWrites() || !held_.empty())) {
    held_.push_back(Waiting{std::move(then), std::move(fail)});
    schedule();
    return;
  }
  then();
}

void OutputGate::failWaiting(const std::string& reason) {
  auto held = std::exchange(held_, {});
  for (auto& waiting : held) {
    if (waiting.fail) waiting.fail(reason);
  }
}

void OutputGate::schedule() {
  if (scheduled_ || !database_) return;
  scheduled_ = true;
  auto run = [weak = weak_from_this()] {
    if (auto gate = weak.lock()) {
      gate->scheduled_ = false;
      gate->commit();
    }
  };
  if (commitDelay_.count() == 0) {
    loop_.post(std::move(run));
    return;
  }
  if (!delayTimer_) delayTimer_ = std::make_unique<boost::asio::steady_timer>(loop_.context());
  delayTimer_->expires_after(commitDelay_);
  delayTimer_->async_wait([run](const boost::system::error_code& error) {
    if (!error) run();
  });
}

bool OutputGate::commit() {
  if (!database_) return true;
  // An open savepoint belongs to a transaction still running; its end asks again.
  if (database_->savepointDepth() > 0) return true;

  if (database_->batchHasWrites()) {
    try {
      database_->commitBatch();
    } catch (const storage::SqlError& error) {
      database_->beginBatch();
      log::error("storage", std::string("commit failed, object reset: ") + error.what());
      failWaiting(error.what());
      if (onFailure_) onFailure_(error.what());
      return false;
    }
    database_->beginBatch();
  }

  auto held = std::exchange(held_, {});
  for (auto& waiting : held) waiting.then();
  return true;
}

void OutputGate::discard(const std::string& reason) {
  if (database_) {
    database_->rollbackBatch();
    database_->beginBatch();
  }
  failWaiting(reason);
}

void OutputGate::detach() {
  database_ = nullptr;
}

// ==============================================================================================
// ObjectStorage

ObjectStorage::~ObjectStorage() {
  commit();
  if (gate) gate->detach();
}

void ObjectStorage::commit() {
  if (gate) gate->commit();
}

void ObjectStorage::discard(const std::string& reason) {
  if (gate) gate->discard(reason);
}

}  // namespace dohost::actor
