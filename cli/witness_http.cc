// The HTTP of c2sp.org/tlog-witness: `tracectl witness serve` answers POST
// <prefix>/add-checkpoint, and `tracectl witness push` sends a node's
// checkpoints to any witness that speaks it. Kept to this file, because
// Beast is heavy to compile.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <iostream>
#include <thread>

#include "cli/audit.h"
#include "cli/commands.h"
#include "cli/witness.h"
#include "crypto/file_util.h"

namespace tracechain::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Most a request may take, reading and writing together: a client that
// dawdles holds the witness (one request at a time) no longer than this.
constexpr std::chrono::seconds kExchangeTimeout{10};
// "old N", 63 proof lines and a note of at most 64 KiB.
constexpr std::size_t kMaxRequestBytes = ledger::kMaxNoteBytes + (ledger::kMaxProofLines + 1) * 64;

Result<tcp::endpoint> parse_endpoint(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return Error(ErrorCode::kInvalidInput, "--listen '" + text + "': expected HOST:PORT");
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(text.substr(0, colon), ec);
  unsigned long port = 0;
  try {
    port = std::stoul(text.substr(colon + 1));
  } catch (const std::exception&) {
    port = 0;
  }
  if (ec || port == 0 || port > 65535) {
    return Error(ErrorCode::kInvalidInput, "--listen '" + text + "': expected an IP address and a port");
  }
  return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

// One request on `socket`, answered: runs `io` until done or timed out.
// Returns whether a request was answered (a connection that sent none was not).
bool serve_one(asio::io_context& io, tcp::socket socket, Witness& witness,
               const WitnessSource& node, const std::filesystem::path& evidence_dir,
               std::ostream& out) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;
  parser.body_limit(kMaxRequestBytes);
  http::response<http::string_body> response;
  response.version(11);
  response.keep_alive(false);
  bool done = false;
  bool answered = false;
  auto respond = [&](unsigned status, std::string content_type, std::string body) {
    answered = true;
    response.result(status);
    response.set(http::field::content_type, content_type);
    response.body() = std::move(body);
    response.prepare_payload();
    http::async_write(stream, response, [&](beast::error_code, std::size_t) {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      done = true;
    });
  };
  stream.expires_after(kExchangeTimeout);
  http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) {
      return respond(413, "text/plain; charset=utf-8", "the request is too large\n");
    }
    if (ec) {
      done = true;
      return;
    }
    const auto& request = parser.get();
    std::string target(request.target());
    if (!target.ends_with("/add-checkpoint")) {
      return respond(404, "text/plain; charset=utf-8",
                     "this witness serves POST <prefix>/add-checkpoint only\n");
    }
    if (request.method() != http::verb::post) {
      return respond(405, "text/plain; charset=utf-8", "add-checkpoint is POST\n");
    }
    Witness::HttpAnswer answer = witness.add_checkpoint(request.body(), node, now_seconds());
    out << "add-checkpoint: " << answer.status << " "
        << (answer.status == 200 ? "cosigned, log size " + std::to_string(witness.state()->size)
                                 : answer.body.substr(0, answer.body.find('\n')))
        << "\n"
        << std::flush;
    if (!answer.evidence.is_null()) {
      const auto file = evidence_dir / ("fork-evidence-" + std::to_string(now_seconds()) + ".json");
      if (write_file_atomic(file, answer.evidence.dump(2) + "\n", 0644, Overwrite::kReplace)) {
        out << "FORK: evidence in " << file.string() << " (tracectl verify-evidence)\n" << std::flush;
      }
    }
    respond(answer.status, answer.content_type, std::move(answer.body));
  });
  io.restart();
  while (!done && io.run_one() > 0) {
  }
  return answered;
}

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// POST `body` to http://host:port<target>, bounded in time and size.
Result<HttpReply> http_post(const node::rpc::Url& url, const std::string& target,
                            const std::string& body) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::string_body> request(http::verb::post, target, 11);
  request.set(http::field::host, url.host);
  request.set(http::field::content_type, "text/plain; charset=utf-8");
  request.body() = body;
  request.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  beast::error_code failure;
  resolver.async_resolve(url.host, std::to_string(url.port), [&](beast::error_code ec, auto results) {
    if (ec) return void(failure = ec);
    stream.expires_after(kExchangeTimeout);
    stream.async_connect(results, [&](beast::error_code ec2, auto) {
      if (ec2) return void(failure = ec2);
      http::async_write(stream, request, [&](beast::error_code ec3, std::size_t) {
        if (ec3) return void(failure = ec3);
        http::async_read(stream, buffer, parser, [&](beast::error_code ec4, std::size_t) {
          if (ec4) failure = ec4;
        });
      });
    });
  });
  io.run();
  if (failure) {
    return Error(ErrorCode::kUnavailable,
                 "the witness at " + url.to_string() + ": " + failure.message());
  }
  return HttpReply{parser.get().result_int(), parser.get().body()};
}

}  // namespace

int witness_serve(const WitnessServeOptions& options, std::ostream& out, std::ostream& err) {
  auto endpoint = parse_endpoint(options.listen);
  if (!endpoint) return report_error(err, endpoint.error());
  auto opened = open_witness(options.genesis, options.cosigning_key, options.name, options.state);
  if (!opened) return report_error(err, opened.error());
  Witness& witness = **opened;
  RemoteOptions remote;
  remote.node = options.node;
  remote.ca = options.ca;
  auto client = connect(remote);
  if (!client) return report_error(err, client.error());
  const WitnessSource node = network_source(*client);

  asio::io_context io;
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return report_error(err, Error(ErrorCode::kIo, "cannot listen on " + options.listen + ": " +
                                                       ec.message()));
  }
  out << "witness " << witness.cosigning_key() << "\n"
      << "serving POST http://" << options.listen << "/add-checkpoint; certificates from "
      << node.name << "; state " << options.state.string() << "\n"
      << std::flush;
  const std::filesystem::path evidence_dir = options.state.parent_path();
  for (std::uint64_t served = 0; options.max_requests == 0 || served < options.max_requests;) {
    tcp::socket socket(io);
    acceptor.accept(socket, ec);
    if (ec) continue;
    if (serve_one(io, std::move(socket), witness, node, evidence_dir, out)) ++served;
  }
  return kExitOk;
}

int witness_push(const WitnessPushOptions& options, std::ostream& out, std::ostream& err) {
  RemoteOptions remote;
  remote.node = options.node;
  auto client = connect(remote);
  if (!client) return report_error(err, client.error());
  // The witness: http://host:port and an optional path prefix.
  const std::string& url_text = options.witness_url;
  const std::size_t scheme = url_text.find("://");
  const std::size_t slash = scheme == std::string::npos ? std::string::npos : url_text.find('/', scheme + 3);
  auto url = node::rpc::parse_url(url_text.substr(0, slash));
  if (!url || url->tls) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "--witness-url '" + url_text + "': expected http://HOST:PORT[/PREFIX]"));
  }
  std::string prefix = slash == std::string::npos ? "" : url_text.substr(slash);
  while (prefix.ends_with("/")) prefix.pop_back();
  auto cosigner = read_cosigner_key(options.witness_key);
  if (!cosigner) return report_error(err, cosigner.error().with_context("--witness-key"));

  std::uint64_t old_size = 0;  // learnt from the witness's 409 on the first round
  for (;;) {
    bool ok = false;
    std::string what;
    auto checkpoint = client->call_unsigned("chain_getCheckpoint");
    if (!checkpoint) return report_error(err, checkpoint.error());
    if (!(*checkpoint)["signedNote"].is_string()) {
      return report_error(err, Error(ErrorCode::kInvalidInput,
                                     "the node signs no checkpoints (ask a validator): " +
                                         (*checkpoint).value("unsigned", std::string())));
    }
    // The node's own note, without the cosignatures it already keeps.
    auto note = ledger::parse_note((*checkpoint)["signedNote"].get<std::string>());
    if (!note) return report_error(err, note.error());
    note->signatures.resize(1);
    const std::uint64_t size = (*checkpoint)["logSize"].get<std::uint64_t>();
    for (int attempt = 0; attempt < 2 && !ok; ++attempt) {
      ledger::AddCheckpointRequest request{old_size, {}, *note};
      if (old_size > 0 && old_size < size) {
        auto proof = client->call_unsigned("chain_getConsistencyProof",
                                           {{"fromSize", old_size}, {"toSize", size}});
        if (!proof) return report_error(err, proof.error());
        for (const Json& node : (*proof)["path"]) {
          auto hash = from_hex(node.get<std::string>());
          if (!hash || hash->size() != kDigestSize) {
            return report_error(err, Error(ErrorCode::kInvalidInput,
                                           "the node's consistency proof holds a malformed hash"));
          }
          Digest digest;
          std::copy(hash->begin(), hash->end(), digest.begin());
          request.proof.push_back(digest);
        }
      }
      const std::string body = ledger::format_add_checkpoint(request);
      auto reply = http_post(*url, prefix + "/add-checkpoint", body);
      if (!reply) return report_error(err, reply.error());
      if (reply->status == 409) {
        std::uint64_t learnt = 0;
        try {
          learnt = std::stoull(reply->body);
        } catch (const std::exception&) {
          return report_error(err, Error(ErrorCode::kInvalidInput, "the witness's 409 names no size"));
        }
        if (learnt > size) {
          what = "the witness has cosigned a larger log (" + std::to_string(learnt) +
                 ") than the node's (" + std::to_string(size) + ")";
          break;
        }
        old_size = learnt;
        what = "the witness asked twice for another old size";
        continue;
      }
      if (reply->status != 200) {
        what = "the witness answered " + std::to_string(reply->status) + ": " + reply->body;
        break;
      }
      // Its cosignature, checked, then handed to the node.
      auto cosigned = ledger::parse_note(note->text + "\n" + reply->body);
      auto verified = cosigned ? ledger::verify_cosignatures(*cosigned, std::span(&*cosigner, 1))
                               : Result<std::vector<ledger::VerifiedCosignature>>(cosigned.error());
      if (!verified || verified->empty()) {
        what = "the witness's answer holds no valid cosignature by " + cosigner->name;
        break;
      }
      ledger::SignedNote kept{note->text, {verified->front().signature}};
      auto added = client->call_unsigned("witness_addCosignature", {{"note", ledger::format_note(kept)}});
      if (!added) {
        what = "the node did not keep the cosignature: " + added.error().message();
        break;
      }
      old_size = size;
      ok = true;
      what = "cosigned by " + cosigner->name + ": log size " + std::to_string(size);
    }
    out << what << "\n" << std::flush;
    if (options.once) return ok ? kExitOk : kExitVerificationFailed;
    std::this_thread::sleep_for(std::chrono::milliseconds(options.interval_ms));
  }
}

}  // namespace tracechain::cli
