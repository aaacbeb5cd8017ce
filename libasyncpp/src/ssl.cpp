// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// TLS streams over Boost.Asio SSL (OpenSSL), when the library is built with it
// (ASYNCPP_WITH_SSL); the context helpers of <asyncpp/ssl.hpp>.

#include "stream_connection.hpp"

#include <stdexcept>

#if defined(ASYNCPP_WITH_SSL)
#include <asyncpp/event_loop.hpp>
#include <asyncpp/ssl.hpp>

#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#endif

namespace asyncpp {

#if defined(ASYNCPP_WITH_SSL)

bool tls_available() noexcept
{
  return true;
}

namespace detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// A TLS stream over TCP. Records are written by start_write only (no try_write), and
/// close() sends close_notify first, within a bounded time.
class ssl_transport final : public stream_transport {
public:
  ssl_transport(asio::ip::tcp::socket socket, asio::ssl::context& context)
      : stream_(std::move(socket), context), timer_(stream_.get_executor())
  {
    error_code ignored;
    stream_.lowest_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  }

  void start_read(const loop_core& core, asio::mutable_buffer into, io_completion done) override
  {
    start_stream_read(core, stream_, into, std::move(done));
  }
  void start_write(const loop_core& core, asio::const_buffer data, io_completion done) override
  {
    start_stream_write(core, stream_, data, std::move(done));
  }
  std::size_t try_write(asio::const_buffer, error_code& ec) override
  {
    ec = asio::error::would_block;
    return 0;
  }
  bool can_write_eof() const noexcept override { return false; }
  void shutdown_send(error_code& ec) override { ec = asio::error::operation_not_supported; }
  bool close_gracefully(const loop_core& core, io_completion done) override
  {
    if (!stream_.lowest_layer().is_open())
      return false;
    // One operation of each kind at a time on an SSL stream: the read pump stops first
    // (close() stops reading anyway, as in Python). A peer that never answers our
    // close_notify gets the socket closed under it after a while.
    error_code ignored;
    stream_.lowest_layer().cancel(ignored);
    arm_timer(core, shutdown_timeout);
    loop_core::start_on_loop(
        &core, [&](auto handler) { stream_.async_shutdown(std::move(handler)); },
        [done = std::move(done)](const error_code& ec) mutable { done(ec, 0); });
    return true;
  }
  void close() noexcept override
  {
    error_code ignored;
    timer_.cancel();
    stream_.lowest_layer().close(ignored);
  }
  void abort() noexcept override
  {
    error_code ignored;
    timer_.cancel();
    stream_.lowest_layer().set_option(asio::socket_base::linger(true, 0), ignored);
    stream_.lowest_layer().close(ignored);
  }
  std::string peername() const override
  {
    error_code ec;
    const auto ep = stream_.lowest_layer().remote_endpoint(ec);
    return ec ? std::string() : endpoint_name(ep);
  }
  std::string sockname() const override
  {
    error_code ec;
    const auto ep = stream_.lowest_layer().local_endpoint(ec);
    return ec ? std::string() : endpoint_name(ep);
  }
  asio::ip::tcp::socket* tcp_socket() noexcept override { return &stream_.next_layer(); }
  void* ssl_stream() noexcept override { return &stream_; }

  awaitable<void> handshake(bool as_server, const std::string& hostname) override
  {
    if (!as_server) {
      // SNI, and the certificate checked against the name (as the context's mode says).
      if (!SSL_set_tlsext_host_name(stream_.native_handle(), hostname.c_str()))
        throw boost::system::system_error(error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()),
                                          "SNI");
      stream_.set_verify_callback(asio::ssl::host_name_verification(hostname));
    }
    // A peer that never completes the handshake (a plain-TCP client) is cut off, as
    // Python's ssl_handshake_timeout does.
    arm_timer(*loop_access::core(get_running_loop()), handshake_timeout);
    try {
      co_await stream_.async_handshake(as_server ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
                                       asio::use_awaitable);
    } catch (...) {
      timer_.cancel();
      throw;
    }
    timer_.cancel();
  }

private:
  static constexpr std::chrono::seconds handshake_timeout{60};
  static constexpr std::chrono::seconds shutdown_timeout{10};

  void arm_timer(const loop_core& core, std::chrono::seconds after)
  {
    timer_.expires_after(after);
    loop_core::start_on_loop(
        &core, [&](auto handler) { timer_.async_wait(std::move(handler)); },
        [this](const error_code& ec) {
          if (!ec) {
            error_code ignored;
            stream_.lowest_layer().close(ignored);
          }
        });
  }

  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  asio::steady_timer timer_;
};

} // namespace

std::unique_ptr<stream_transport> make_ssl_transport(asio::ip::tcp::socket socket, asio::ssl::context& context)
{
  set_close_on_exec(socket.native_handle());
  return std::make_unique<ssl_transport>(std::move(socket), context);
}

} // namespace detail

namespace {

[[noreturn]] void throw_openssl(const char* what)
{
  throw boost::system::system_error(
      boost::system::error_code(static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category()), what);
}

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;

std::string bio_text(BIO* bio)
{
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

} // namespace

self_signed_certificate make_self_signed_certificate(const std::string& host_name)
{
  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key)
    throw_openssl("EVP_EC_gen");
  x509_ptr cert(X509_new());
  if (!cert)
    throw_openssl("X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 30);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(host_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  // The name a client verifies: subjectAltName (DNS, or IP for an address).
  const bool is_address = host_name.find_first_not_of("0123456789.:") == std::string::npos;
  const std::string san = (is_address ? "IP:" : "DNS:") + host_name;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
  if (!ext)
    throw_openssl("subjectAltName");
  X509_add_ext(cert.get(), ext, -1);
  X509_EXTENSION_free(ext);
  if (!X509_sign(cert.get(), key.get(), EVP_sha256()))
    throw_openssl("X509_sign");
  bio_ptr cert_bio(BIO_new(BIO_s_mem()));
  bio_ptr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || !PEM_write_bio_X509(cert_bio.get(), cert.get()) ||
      !PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
    throw_openssl("PEM_write");
  return {bio_text(cert_bio.get()), bio_text(key_bio.get())};
}

boost::asio::ssl::context make_client_context()
{
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
  context.set_default_verify_paths();
  context.set_verify_mode(boost::asio::ssl::verify_peer);
  return context;
}

boost::asio::ssl::context make_server_context(std::string_view certificate_pem, std::string_view private_key_pem)
{
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_server);
  context.use_certificate_chain(boost::asio::buffer(certificate_pem.data(), certificate_pem.size()));
  context.use_private_key(boost::asio::buffer(private_key_pem.data(), private_key_pem.size()),
                          boost::asio::ssl::context::pem);
  return context;
}

#else

bool tls_available() noexcept
{
  return false;
}

namespace detail {

std::unique_ptr<stream_transport> make_ssl_transport(boost::asio::ip::tcp::socket, boost::asio::ssl::context&)
{
  throw std::runtime_error("asyncpp: TLS: this build of asyncpp has no TLS support (built without OpenSSL)");
}

} // namespace detail

#endif

} // namespace asyncpp
