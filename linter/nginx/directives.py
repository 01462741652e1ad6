"""What streamproof knows about NGINX directives: names (to tell an NGINX file from other
`.conf` files), time-valued directives and the proxy module families."""

from __future__ import annotations

# Directives whose presence says "this is NGINX" (common http/core/proxy/ssl/upstream ones).
KNOWN = frozenset(
    """
    access_log add_header add_trailer alias allow auth_basic auth_basic_user_file auth_request
    auth_request_set autoindex break charset chunked_transfer_encoding client_body_buffer_size
    client_body_temp_path client_body_timeout client_header_buffer_size client_header_timeout
    client_max_body_size daemon default_type deny error_log error_page etag events expires
    fastcgi_buffering fastcgi_buffers fastcgi_buffer_size fastcgi_cache fastcgi_connect_timeout
    fastcgi_index fastcgi_intercept_errors fastcgi_param fastcgi_pass fastcgi_read_timeout
    fastcgi_send_timeout fastcgi_split_path_info geo grpc_pass grpc_read_timeout grpc_send_timeout
    grpc_set_header grpc_connect_timeout gzip gzip_comp_level gzip_disable gzip_http_version
    gzip_min_length gzip_proxied gzip_static gzip_types gzip_vary hash http http2 if include
    index internal ip_hash keepalive keepalive_requests keepalive_time keepalive_timeout
    large_client_header_buffers least_conn limit_conn limit_conn_zone limit_except limit_rate
    limit_req limit_req_status limit_req_zone listen load_module location log_format map
    map_hash_bucket_size multi_accept open_file_cache pid proxy_buffer_size proxy_buffering
    proxy_buffers proxy_busy_buffers_size proxy_cache proxy_cache_bypass proxy_cache_key
    proxy_cache_lock proxy_cache_lock_timeout proxy_cache_methods proxy_cache_path
    proxy_cache_use_stale proxy_cache_valid proxy_connect_timeout proxy_cookie_path
    proxy_hide_header proxy_http_version proxy_ignore_headers proxy_intercept_errors
    proxy_max_temp_file_size proxy_next_upstream proxy_no_cache proxy_pass proxy_pass_header
    proxy_pass_request_body proxy_read_timeout proxy_redirect proxy_request_buffering
    proxy_send_timeout proxy_set_body proxy_set_header proxy_ssl_server_name proxy_ssl_verify
    proxy_temp_path real_ip_header real_ip_recursive resolver resolver_timeout return rewrite root
    satisfies scgi_pass scgi_param send_timeout sendfile server server_name
    server_names_hash_bucket_size server_tokens set set_real_ip_from split_clients ssl_certificate
    ssl_certificate_key ssl_ciphers ssl_dhparam ssl_prefer_server_ciphers ssl_protocols
    ssl_session_cache ssl_session_tickets ssl_session_timeout ssl_stapling ssl_stapling_verify
    stream sub_filter sub_filter_once tcp_nodelay tcp_nopush try_files types
    types_hash_max_size underscores_in_headers upstream user uwsgi_pass uwsgi_param
    uwsgi_read_timeout uwsgi_buffering valid_referers worker_connections worker_processes
    worker_rlimit_nofile zone absolute_redirect aio directio lingering_close lingering_time
    lingering_timeout postpone_output reset_timedout_connection variables_hash_max_size
    proxy_socket_keepalive proxy_cache_revalidate proxy_cache_min_uses proxy_cache_background_update
    proxy_next_upstream_tries proxy_next_upstream_timeout proxy_ssl_protocols proxy_ssl_name
    ssl_trusted_certificate ssl_verify_client ssl_client_certificate ssl_ecdh_curve
    """.split()
)

# Directives distinct enough that one of them in a snippet says NGINX.
DISTINCT_PREFIXES = ("proxy_", "fastcgi_", "uwsgi_", "scgi_", "grpc_", "ssl_", "gzip", "add_header",
                     "location", "listen", "server_name", "try_files", "client_max_body_size")

# Directives with a time value nginx reads with ngx_parse_time in milliseconds (``*_timeout``
# and friends): argument index -> is_sec. `y` and `M` are refused by these.
_MSEC_TIMEOUTS = """
    proxy_read_timeout proxy_send_timeout proxy_connect_timeout proxy_next_upstream_timeout
    proxy_cache_lock_timeout proxy_cache_lock_age
    fastcgi_read_timeout fastcgi_send_timeout fastcgi_connect_timeout fastcgi_next_upstream_timeout
    uwsgi_read_timeout uwsgi_send_timeout uwsgi_connect_timeout uwsgi_next_upstream_timeout
    scgi_read_timeout scgi_send_timeout scgi_connect_timeout scgi_next_upstream_timeout
    grpc_read_timeout grpc_send_timeout grpc_connect_timeout grpc_next_upstream_timeout
    send_timeout client_body_timeout client_header_timeout resolver_timeout lingering_time
    lingering_timeout auth_delay keepalive_time ssl_handshake_timeout
    memcached_read_timeout memcached_send_timeout memcached_connect_timeout
""".split()
TIME_ARGUMENTS: dict[str, tuple[tuple[int, bool], ...]] = {name: ((0, False),) for name in _MSEC_TIMEOUTS}
# keepalive_timeout: the timeout (ms slot) and an optional header value in seconds.
TIME_ARGUMENTS["keepalive_timeout"] = ((0, False), (1, True))
TIME_ARGUMENTS["ssl_session_timeout"] = ((0, True),)

# Proxy module families: the `*_pass` directive and the names of its settings.
FAMILIES = {
    "proxy_pass": "proxy",
    "fastcgi_pass": "fastcgi",
    "uwsgi_pass": "uwsgi",
    "scgi_pass": "scgi",
    "grpc_pass": "grpc",
}
BUFFERED_FAMILIES = ("proxy", "fastcgi", "uwsgi", "scgi")  # gRPC is never buffered


def looks_like_nginx_name(name: str) -> bool:
    return name in KNOWN or name.startswith(DISTINCT_PREFIXES)
