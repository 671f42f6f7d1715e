#include "io/filter_streams.h"

#include <algorithm>
#include <cstring>
#include <exception>

#include "core/error.h"
#include "core/scratch_buffer.h"
#include "core/stop_token.h"

namespace wale::io {

std::size_t read_full(ByteSource& source, std::span<std::byte> out) {
  std::size_t got = 0;
  while (got < out.size()) {
    std::size_t n = source.read(out.subspan(got));
    if (n == 0) break;
    got += n;
  }
  return got;
}

Filter::Progress Filter::process_into(std::span<const std::byte> in, std::span<std::byte> out) {
  (void)in;
  (void)out;
  throw Error(ErrorCode::Internal, "this filter does not decode into buffers");
}

FilterSink::FilterSink(std::unique_ptr<Filter> filter, std::unique_ptr<ByteSink> downstream)
    : filter_(std::move(filter)), downstream_(std::move(downstream)) {}

void FilterSink::write(std::span<const std::byte> data) {
  buf_.clear();
  filter_->process(data, buf_);
  if (!buf_.empty()) downstream_->write(buf_);
}

void FilterSink::finish() {
  buf_.clear();
  filter_->finish(buf_);
  if (!buf_.empty()) downstream_->write(buf_);
  downstream_->finish();
}

FilterSource::FilterSource(std::unique_ptr<Filter> filter, std::unique_ptr<ByteSource> upstream, std::size_t chunk)
    : filter_(std::move(filter)), upstream_(std::move(upstream)), in_(chunk) {}

std::size_t FilterSource::read(std::span<std::byte> out) {
  if (error_) std::rethrow_exception(error_);
  try {
    if (pos_ >= out_.size() && !out.empty() && !flushed_ && filter_->decodes_into()) {
      std::size_t n = read_into(out);
      if (n > 0) return n;  // else the end: finish()'s tail, if any, comes from out_ below
    }
    while (pos_ >= out_.size()) {
      out_.clear();
      pos_ = 0;
      if (in_pos_ < in_len_) {
        auto pending = std::span<const std::byte>(in_.data() + in_pos_, in_len_ - in_pos_);
        in_pos_ += filter_->process_some(pending, out_, in_.size());
        continue;
      }
      if (eof_) return 0;
      std::size_t n = upstream_->read(in_);
      if (n == 0) {
        eof_ = true;
        filter_->finish(out_);
      } else {
        in_pos_ = 0;
        in_len_ = n;
      }
    }
  } catch (...) {
    error_ = std::current_exception();  // sticky: later reads throw it again
    throw;
  }
  std::size_t n = std::min(out.size(), out_.size() - pos_);
  std::memcpy(out.data(), out_.data() + pos_, n);
  pos_ += n;
  return n;
}

// The direct path: the filter decodes straight into `out`. Returns 0 only
// once the upstream ended and the filter is flushed (flushed_ set); the tail
// from finish(), if any, then comes through out_.
std::size_t FilterSource::read_into(std::span<std::byte> out) {
  for (;;) {
    if (in_pos_ < in_len_) {
      auto pending = std::span<const std::byte>(in_.data() + in_pos_, in_len_ - in_pos_);
      Filter::Progress p = filter_->process_into(pending, out);
      if (p.consumed == 0 && p.produced == 0) throw Error(ErrorCode::Internal, "a decoder made no progress");
      in_pos_ += p.consumed;
      if (p.produced > 0) return p.produced;
      continue;
    }
    std::size_t n = upstream_->read(in_);
    if (n > 0) {
      in_pos_ = 0;
      in_len_ = n;
      continue;
    }
    Filter::Progress p = filter_->process_into({}, out);  // what the filter still holds
    if (p.produced > 0) return p.produced;
    eof_ = true;
    flushed_ = true;
    out_.clear();
    pos_ = 0;
    filter_->finish(out_);
    return 0;
  }
}

std::uint64_t copy(ByteSource& source, ByteSink& sink, std::size_t chunk) {
  ScratchBuffer buf(chunk);
  std::uint64_t total = 0;
  for (;;) {
    throw_if_stopped();
    std::size_t n = source.read(buf);
    if (n == 0) return total;
    sink.write(std::span<const std::byte>(buf.data(), n));
    total += n;
  }
}

}  // namespace wale::io
