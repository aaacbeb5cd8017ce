// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// TLS for streams: set stream_options::ssl (or server_options::ssl) to a Boost.Asio SSL
// context, and open_connection / start_server speak TLS. Available when asyncpp was
// built with OpenSSL (ASYNCPP_WITH_SSL; tls_available() says so at run time).
#ifndef ASYNCPP_SSL_HPP
#define ASYNCPP_SSL_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/streams.hpp>

#if !defined(ASYNCPP_WITH_SSL)
#error "<asyncpp/ssl.hpp>: this asyncpp was built without TLS (OpenSSL not found, or ASYNCPP_WITH_SSL=OFF)"
#endif

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <string>
#include <string_view>

namespace asyncpp {

/// The TLS stream under a TLS connection's writer (null for a plain one).
inline boost::asio::ssl::stream<boost::asio::ip::tcp::socket>* ssl_stream_of(const stream_writer& writer)
{
  return static_cast<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>*>(writer.ssl_stream());
}

/// A client context as Python's ssl.create_default_context(): the system's trusted
/// certificates, peers verified. open_connection adds SNI and the host-name check.
ASYNCPP_DECL boost::asio::ssl::context make_client_context();

/// A server context with a certificate chain and its private key, both PEM text.
ASYNCPP_DECL boost::asio::ssl::context make_server_context(std::string_view certificate_pem,
                                                           std::string_view private_key_pem);

/// A throwaway self-signed certificate (P-256, 30 days) for `host_name` (a DNS name or an
/// IP address, in subjectAltName), for tests and development: never for production.
struct self_signed_certificate {
  std::string certificate_pem;
  std::string private_key_pem;
};
ASYNCPP_DECL self_signed_certificate make_self_signed_certificate(const std::string& host_name);

} // namespace asyncpp

#endif
