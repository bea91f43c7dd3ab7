// The transport's framing: header encoding and the incremental decoder.
#include "frame.h"

#include <algorithm>
#include <cstring>

#include "dohost/assert.h"

namespace dohost::rpc::frame {
namespace {

void putLe(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t getLe(const std::string& in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= uint64_t{static_cast<unsigned char>(in[at + i])} << (8 * i);
  }
  return value;
}

std::string printable(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) out += (c >= 32 && c < 127) ? static_cast<char>(c) : '.';
  return out;
}

}  // namespace

std::string encodeHeader(Kind kind, uint64_t id, const std::string& worker, size_t payloadSize) {
  DOHOST_REQUIRE(worker.size() <= 0xffff, "Worker name too long for a frame");
  size_t size = kHeaderSize - 4 + worker.size() + payloadSize;
  DOHOST_REQUIRE(size <= kMaxFrameBytes, "message too large for a frame");
  std::string out;
  out.reserve(kHeaderSize + worker.size());
  putLe(out, size, 4);
  out.push_back(static_cast<char>(kind));
  out.push_back(0);
  putLe(out, worker.size(), 2);
  putLe(out, id, 8);
  out += worker;
  return out;
}

void Decoder::feed(const char* data, size_t size, std::vector<Frame>& out) {
  while (size > 0) {
    if (state_ == State::kPayload) {
      size_t take = std::min(size, payloadSize_ - payloadFilled_);
      std::memcpy(payload_.data() + payloadFilled_, data, take);
      payloadFilled_ += take;
      data += take;
      size -= take;
    } else {
      size_t want = state_ == State::kMagic    ? kMagicSize
                    : state_ == State::kHeader ? kHeaderSize
                                               : workerSize_;
      size_t take = std::min(size, want - head_.size());
      head_.append(data, take);
      data += take;
      size -= take;
      if (head_.size() < want) return;
    }

    switch (state_) {
      case State::kMagic:
        if (head_ != std::string(kMagic, kMagicSize)) {
          throw Error("the peer is not a dohost process of this version (it sent \"" +
                      printable(head_) + "\")");
        }
        head_.clear();
        state_ = State::kHeader;
        break;
      case State::kHeader: {
        size_t frameSize = getLe(head_, 0, 4);
        auto kind = static_cast<unsigned char>(head_[4]);
        workerSize_ = getLe(head_, 6, 2);
        if ((kind != 1 && kind != 2) || head_[5] != 0) {
          throw Error("malformed frame: unknown kind " + std::to_string(kind));
        }
        if (frameSize > kMaxFrameBytes || frameSize < kHeaderSize - 4 + workerSize_) {
          throw Error("malformed frame: size " + std::to_string(frameSize));
        }
        frame_ = Frame{};
        frame_.kind = static_cast<Kind>(kind);
        frame_.id = getLe(head_, 8, 8);
        payloadSize_ = frameSize - (kHeaderSize - 4) - workerSize_;
        // Every payload is a flat Cap'n Proto message: whole words, a segment
        // table and a root pointer at least.
        if (payloadSize_ % 8 != 0 || payloadSize_ < 16) {
          throw Error("malformed frame: payload of " + std::to_string(payloadSize_) + " bytes");
        }
        head_.clear();
        state_ = workerSize_ > 0 ? State::kWorker : State::kPayload;
        if (state_ == State::kPayload) {
          payload_.assign(payloadSize_, '\0');
          payloadFilled_ = 0;
        }
        break;
      }
      case State::kWorker:
        frame_.worker = std::move(head_);
        head_.clear();
        payload_.assign(payloadSize_, '\0');
        payloadFilled_ = 0;
        state_ = State::kPayload;
        break;
      case State::kPayload:
        break;
    }

    if (state_ == State::kPayload && payloadFilled_ == payloadSize_) {
      frame_.payload = std::make_shared<const std::string>(std::move(payload_));
      payload_ = std::string();
      out.push_back(std::move(frame_));
      frame_ = Frame{};
      state_ = State::kHeader;
    }
  }
}

}  // namespace dohost::rpc::frame
