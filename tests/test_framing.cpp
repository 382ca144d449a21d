#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <thread>

#include "protocol/framing.hpp"
#include "protocol/protocol.hpp"

using namespace certdoctor;

namespace {

// A real pipe with `bytes` written into it and the write end closed, as Firefox's end would look.
struct Pipe {
  int fds[2];
  explicit Pipe(const std::string& bytes) {
    REQUIRE(::pipe(fds) == 0);
    writer = std::thread([fd = fds[1], bytes] {
      std::size_t sent = 0;
      while (sent < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + sent, bytes.size() - sent);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      ::close(fd);
    });
  }
  ~Pipe() {
    writer.join();
    ::close(fds[0]);
  }
  int fd() const { return fds[0]; }
  std::thread writer;
};

std::string header(std::uint32_t n) {
  std::string h(4, '\0');
  std::memcpy(h.data(), &n, 4);
  return h;
}

}  // namespace

TEST_CASE("Frames: native-endian length then payload, several in a row, then a clean EOF", "[framing]") {
  std::string frame = encode_frame("{\"a\":1}");
  REQUIRE(frame.size() == 4 + 7);
  std::uint32_t n;
  std::memcpy(&n, frame.data(), 4);
  CHECK(n == 7);

  Pipe p(encode_frame("{\"a\":1}") + encode_frame("") + encode_frame("{\"b\":2}"));
  Frame f1 = read_frame(p.fd());
  CHECK(f1.status == FrameStatus::ok);
  CHECK(f1.payload == "{\"a\":1}");
  Frame f2 = read_frame(p.fd());
  CHECK(f2.status == FrameStatus::ok);
  CHECK(f2.payload.empty());
  CHECK(read_frame(p.fd()).payload == "{\"b\":2}");
  CHECK(read_frame(p.fd()).status == FrameStatus::eof);
}

TEST_CASE("Frames: a partial length or a short body is reported as truncated", "[framing]") {
  {
    Pipe p(std::string("\x05\x00", 2));
    CHECK(read_frame(p.fd()).status == FrameStatus::truncated);
  }
  {
    Pipe p(header(10) + "short");
    CHECK(read_frame(p.fd()).status == FrameStatus::truncated);
  }
}

TEST_CASE("Frames: an oversized frame is skipped, not buffered, and the next frame still reads", "[framing]") {
  const std::size_t big = kMaxRequestBytes + 1;
  Pipe p(header(static_cast<std::uint32_t>(big)) + std::string(big, 'x') + encode_frame("{\"next\":true}"));
  Frame f = read_frame(p.fd());
  CHECK(f.status == FrameStatus::too_large);
  CHECK(f.declared_length == big);
  CHECK(f.payload.empty());
  Frame next = read_frame(p.fd());
  CHECK(next.status == FrameStatus::ok);
  CHECK(next.payload == "{\"next\":true}");
}

TEST_CASE("Frames: a huge declared length with no body ends as too large, then EOF, quickly", "[framing]") {
  Pipe p(header(0xFFFFFFFFu) + "abc");
  CHECK(read_frame(p.fd()).status == FrameStatus::too_large);
  CHECK(read_frame(p.fd()).status == FrameStatus::eof);
}

TEST_CASE("Replies: an answer over the limit is cut, marked truncated and says what was cut", "[framing]") {
  nlohmann::json chain = nlohmann::json::array();
  for (int i = 0; i < 2000; ++i) chain.push_back({{"sha256", std::string(64, 'a')}, {"i", i}});
  nlohmann::json reply = ok_reply(7, {{"chain", chain}, {"url", "https://x.test/"}});
  const std::size_t limit = 20000;
  std::string out = encode_reply(reply, limit);
  CHECK(out.size() <= limit);
  auto parsed = nlohmann::json::parse(out);
  CHECK(parsed.at("id") == 7);
  CHECK(parsed.at("ok") == true);
  CHECK(parsed.at("truncated") == true);
  CHECK(parsed.at("result").at("url") == "https://x.test/");
  CHECK(parsed.at("result").at("chain").at(0).at("i") == 0);  // the leaf (first element) always survives
  REQUIRE(parsed.at("omitted").size() == 1);
  CHECK(parsed.at("omitted").at(0).at("path") == "/result/chain");
  CHECK(parsed.at("omitted").at(0).at("total") == 2000);
  CHECK(parsed.at("omitted").at(0).at("kept") == parsed.at("result").at("chain").size());

  std::string small = encode_reply(ok_reply(1, {{"chain", {1, 2}}}), limit);
  CHECK_FALSE(nlohmann::json::parse(small).contains("truncated"));
}

TEST_CASE("Replies: invalid UTF-8 from a certificate is replaced, never thrown on", "[framing]") {
  std::string out = encode_reply(ok_reply(1, {{"subject", std::string("CN=\xff\xfe")}}));
  auto parsed = nlohmann::json::parse(out);
  CHECK(parsed.at("result").at("subject") == "CN=\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("Replies: a single value too large to cut becomes a reply_too_large error", "[framing]") {
  std::string out = encode_reply(ok_reply(3, {{"blob", std::string(5000, 'z')}}), 1000);
  auto parsed = nlohmann::json::parse(out);
  CHECK(parsed.at("ok") == false);
  CHECK(parsed.at("id") == 3);
  CHECK(parsed.at("error").at("code") == "reply_too_large");
}
