"""What LiteLLM's proxy reads from its config file: the one place that knows key names.

Taken from the source of litellm 1.106.10 (``litellm/proxy/proxy_server.py``,
``litellm/router.py``, ``litellm/proxy/_types.py``, ``litellm/constants.py``), checked against
1.74.15.post2: every ``Router.__init__`` argument of 1.74 is still one in 1.106, and the
``general_settings`` keys below are the union of both versions. Newer LiteLLM releases add
sections and Router arguments: a config written for a release newer than 1.106 may get a LIT005
finding for a key this list does not know yet, so the list is refreshed from each new release
(tests/litellm/test_litellm_against_litellm.py checks it against the litellm the tests install).
``general_settings`` and ``litellm_settings`` keys are never reported for being unknown, only
for belonging to another section.
"""

from __future__ import annotations

LITELLM_VERSION = "1.106.10"
OLDEST_CHECKED_VERSION = "1.74.15.post2"

# Top-level sections the proxy reads (``config.get(...)`` in proxy_server.py).
TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    {
        "model_list",
        "litellm_settings",
        "router_settings",
        "general_settings",
        "environment_variables",
        "include",
        "callback_settings",
        "credential_list",
        "search_tools",
        "assistant_settings",
        "finetune_settings",
        "files_settings",
        "default_vertex_config",
        "guardrails",
        "prompts",
        "mcp_servers",
        "mcp_tools",
        "agents",
        "agent_list",
        "vector_store_registry",
        "worker_registry",
        "policies",
        "policy_attachments",
        "sandbox_tools",
    }
)
# The sections that make a YAML file a LiteLLM proxy config.
CONFIG_SECTIONS: tuple[str, ...] = (
    "model_list",
    "litellm_settings",
    "router_settings",
    "general_settings",
)

# ``router_settings`` keys are passed to ``Router(**kwargs)`` when they are one of its
# arguments; any other key is dropped (a warning in 1.106, silently in 1.74).
ROUTER_ARGS: frozenset[str] = frozenset(
    {
        "model_list",
        "assistants_config",
        "search_tools",
        "guardrail_list",
        "redis_url",
        "redis_host",
        "redis_port",
        "redis_password",
        "redis_db",
        "cache_responses",
        "cache_kwargs",
        "caching_groups",
        "client_ttl",
        "polling_interval",
        "default_priority",
        "num_retries",
        "max_fallbacks",
        "timeout",
        "stream_timeout",
        "default_litellm_params",
        "default_max_parallel_requests",
        "set_verbose",
        "debug_level",
        "default_fallbacks",
        "fallbacks",
        "context_window_fallbacks",
        "content_policy_fallbacks",
        "model_group_alias",
        "enable_pre_call_checks",
        "enable_tag_filtering",
        "tag_filtering_match_any",
        "tag_routing_prefix",
        "plugins",
        "retry_after",
        "retry_policy",
        "model_group_retry_policy",
        "allowed_fails",
        "allowed_fails_policy",
        "cooldown_time",
        "disable_cooldowns",
        "routing_strategy",
        "optional_pre_call_checks",
        "routing_strategy_args",
        "routing_groups",
        "provider_budget_config",
        "alerting_config",
        "router_general_settings",
        "deployment_affinity_ttl_seconds",
        "model_group_affinity_config",
        "ignore_invalid_deployments",
        "enable_health_check_routing",
        "health_check_staleness_threshold",
        "health_check_ignore_transient_errors",
        "background_health_check_model_groups",
        "enable_weighted_failover",
        "fallback_access_check",
        "fallback_budget_check",
        "auto_router_capability_limit",
    }
)
# Router arguments the proxy sets itself: written in ``router_settings`` they are dropped
# (``ROUTER_SETTINGS_MANAGED_OUTSIDE_CONFIG`` in constants.py), with where they belong.
ROUTER_ARGS_SET_BY_PROXY: dict[str, str] = {
    "model_list": "the top-level `model_list`",
    "search_tools": "the top-level `search_tools`",
    "assistants_config": "the top-level `assistant_settings`",
    "router_general_settings": "",
    "ignore_invalid_deployments": "",
    "fallback_access_check": "",
    "fallback_budget_check": "",
    "auto_router_capability_limit": "",
}
# Keys people put in ``router_settings`` that LiteLLM reads from ``general_settings``
# (1.106 refuses to start with them in ``router_settings``).
ROUTER_KEYS_OF_GENERAL_SETTINGS: frozenset[str] = frozenset(
    {"health_check_interval", "health_check_concurrency"}
)

# ``general_settings`` keys read anywhere in the proxy (fields of ConfigGeneralSettings and
# every ``general_settings.get("...")``), both versions. Unknown keys are silently ignored.
GENERAL_SETTINGS_KEYS: frozenset[str] = frozenset(
    {
        "admin_only_routes",
        "admission_queue_timeout_seconds",
        "alert_to_webhook_url",
        "alert_type_config",
        "alert_types",
        "alerting",
        "alerting_args",
        "alerting_threshold",
        "allow_cli_sso_verification_uri_complete",
        "allow_client_side_credentials",
        "allow_public_health_readiness_details",
        "allow_requests_on_db_unavailable",
        "allow_unmanaged_response_ids",
        "allow_user_auth",
        "allowed_file_extensions",
        "allowed_ips",
        "allowed_routes",
        "always_include_stream_usage",
        "apply_user_budget_to_team_keys",
        "auto_redirect_ui_login_to_sso",
        "background_health_check_model_groups",
        "background_health_checks",
        "blocked_file_extensions",
        "cancel_on_disconnect",
        "claude_code_gateway_managed_settings",
        "completion_model",
        "control_plane_url",
        "coordination_redis",
        "custom_auth",
        "custom_auth_run_common_checks",
        "custom_key_generate",
        "custom_key_policy",
        "custom_key_update",
        "custom_sso",
        "custom_team_metadata_validate",
        "custom_ui_sso_sign_in_handler",
        "dangerously_permit_weak_or_unset_master_key",
        "database_args",
        "database_connect_timeout",
        "database_connection_pool_limit",
        "database_connection_pool_timeout",
        "database_connection_timeout",
        "database_disable_prepared_statements",
        "database_extra_connection_params",
        "database_max_idle_connection_lifetime",
        "database_socket_timeout",
        "database_type",
        "database_url",
        "default_team_disabled",
        "disable_adding_master_key_hash_to_db",
        "disable_auto_add_proxy_admin_to_teams",
        "disable_batch_input_file_rate_limiting",
        "disable_bedrock_agent_runtime_passthrough",
        "disable_budget_reservation",
        "disable_custom_api_keys",
        "disable_env_credential_login",
        "disable_error_logs",
        "disable_key_generate_for_org_admin",
        "disable_master_key_return",
        "disable_model_info_refresh",
        "disable_password_login_when_sso_enabled",
        "disable_prisma_schema_update",
        "disable_reset_budget",
        "disable_responses_id_security",
        "disable_retry_on_max_parallel_request_limit_error",
        "disable_spend_logs",
        "disable_spend_updates",
        "drain_endpoint_token",
        "embedding_model",
        "enable_claude_code_gateway",
        "enable_drain_endpoint",
        "enable_health_check_routing",
        "enable_jwt_auth",
        "enable_mcp_registry",
        "enable_oauth2_auth",
        "enable_oauth2_proxy_auth",
        "enable_openai_websocket_passthrough",
        "enable_public_model_hub",
        "enforce_fallback_model_access",
        "enforce_rbac",
        "enforce_user_param",
        "enforced_params",
        "expose_fallback_errors_to_caller",
        "fail_closed_budget_enforcement",
        "fail_closed_rate_limit_enforcement",
        "failed_login_block_seconds",
        "failed_login_window_seconds",
        "forward_client_headers_to_llm_api",
        "forward_llm_provider_auth_headers",
        "forward_openai_org_id",
        "global_max_parallel_requests",
        "health_check_concurrency",
        "health_check_details",
        "health_check_ignore_transient_errors",
        "health_check_interval",
        "health_check_skip_disabled_background_models",
        "health_check_staleness_threshold",
        "hide_default_credentials_hint",
        "image_generation_model",
        "include_call_id_in_error_body",
        "infer_model_from_keys",
        "key_management_settings",
        "key_management_system",
        "litellm_jwtauth",
        "litellm_key_header_name",
        "litellm_license",
        "master_key",
        "max_batch_file_records",
        "max_batch_file_size_mb",
        "max_batch_file_uploads_per_day",
        "max_failed_login_attempts_per_source",
        "max_failed_login_attempts_per_source_overrides",
        "max_file_downloads_per_minute",
        "max_file_size_mb",
        "max_in_flight_requests_per_worker",
        "max_parallel_requests",
        "max_queued_requests_per_worker",
        "max_request_size_mb",
        "max_response_size_mb",
        "maximum_autorouter_session_retention_period",
        "maximum_daily_tag_spend_retention_period",
        "maximum_health_check_retention_period",
        "maximum_spend_logs_cleanup_batch_size",
        "maximum_spend_logs_cleanup_batch_timeout",
        "maximum_spend_logs_cleanup_cron",
        "maximum_spend_logs_cleanup_max_batches",
        "maximum_spend_logs_cleanup_run_budget",
        "maximum_spend_logs_retention_interval",
        "maximum_spend_logs_retention_period",
        "mcp_advertised_versions",
        "mcp_allow_all_keys_respects_mcp_scope",
        "mcp_allowed_clients",
        "mcp_client_id_header",
        "mcp_client_side_auth_header_name",
        "mcp_internal_ip_ranges",
        "mcp_prefer_client_id_metadata_document",
        "mcp_required_fields",
        "mcp_session_token_signing",
        "mcp_trusted_proxy_ranges",
        "mcp_xff_num_trusted_hops",
        "missing_session_id",
        "model_list_healthy_only",
        "moderation_model",
        "oauth2_config_mappings",
        "otel",
        "pass_through_endpoints",
        "pass_through_request_timeout",
        "passthrough_managed_object_ids",
        "password_policy_check_breached_passwords",
        "password_policy_min_length",
        "password_policy_require_lowercase",
        "password_policy_require_numbers",
        "password_policy_require_special_characters",
        "password_policy_require_uppercase",
        "plugins",
        "provider_url_destination_allowed_hosts",
        "proxy_admin_email",
        "proxy_batch_write_at",
        "proxy_config_reload_interval_seconds",
        "public_routes",
        "reject_clientside_metadata_tags",
        "require_end_user_mcp_access_defined",
        "require_key_mcp_access_defined",
        "responses_websocket_session_limit_seconds",
        "role_permissions",
        "scheduled_job_stagger",
        "search_tool_deny_by_default",
        "search_tools",
        "service_account_settings",
        "skip_batch_input_file_rate_limiting_for_models",
        "skip_batch_input_file_rate_limiting_for_providers",
        "spend_capture_rate_check",
        "spend_logs_metadata_fields",
        "spend_report_frequency",
        "store_model_in_db",
        "store_prompts_in_spend_logs",
        "supported_db_objects",
        "team_metadata_schema",
        "team_metadata_validation_error_message",
        "team_metadata_validation_timeout",
        "token_rate_limit_type",
        "tracing",
        "track_unmanaged_batch_cost",
        "transcribe_media_buckets",
        "trusted_proxy_ranges",
        "ui_access_mode",
        "use_azure_key_vault",
        "use_google_kms",
        "use_redis_transaction_buffer",
        "use_shared_health_check",
        "use_spend_logs_partitioning",
        "use_team_public_model_name",
        "use_x_forwarded_for",
        "user_api_key_cache_max_size",
        "user_api_key_cache_ttl",
        "user_header_mappings",
        "user_header_name",
        "user_mcp_management_mode",
        "user_url_allowed_hosts",
        "user_url_validation",
        "vector_store_deny_by_default",
    }
)

# ``litellm_settings``: every key is set as an attribute of the ``litellm`` module, unchecked.
# These are the keys the proxy handles itself before that (the ``elif key == ...`` branches).
LITELLM_SETTINGS_SPECIAL: frozenset[str] = frozenset(
    {
        "cache",
        "cache_params",
        "guardrails",
        "global_prompt_directory",
        "global_bitbucket_config",
        "global_gitlab_config",
        "priority_reservation_settings",
        "callbacks",
        "model_group_settings",
        "post_call_rules",
        "max_budget",
        "max_internal_user_budget",
        "default_max_internal_user_budget",
        "default_internal_user_params",
        "custom_provider_map",
        "success_callback",
        "failure_callback",
        "audit_log_callbacks",
        "responses",
        "max_ui_session_budget",
        "default_team_settings",
        "upperbound_key_generate_params",
        "key_alias_pattern",
        "json_logs",
        "budget_reset_time",
        "drop_params",
    }
)
# ``litellm_settings`` keys that look right but do nothing for the proxy's requests, and what
# to write instead.
LITELLM_SETTINGS_INEFFECTIVE: dict[str, str] = {
    "timeout": (
        "it overwrites the function `litellm.timeout` instead of setting a timeout; "
        "use `litellm_settings.request_timeout`"
    ),
    "stream_timeout": (
        "nothing reads `litellm.stream_timeout`; use `router_settings.stream_timeout` or "
        "`stream_timeout` under a deployment's `litellm_params`"
    ),
    "cooldown_time": "the router does not read it there; use `router_settings.cooldown_time`",
    "max_tokens": (
        "it only feeds a few legacy providers and does not cap chat output; put `max_tokens` "
        "under each deployment's `litellm_params`"
    ),
}
# ``litellm`` module settings people often write in the wrong section (all are attributes of
# the ``litellm`` module that the library reads; none is a ``general_settings`` key).
LITELLM_SETTINGS_COMMON: frozenset[str] = frozenset(
    {
        "drop_params",
        "modify_params",
        "set_verbose",
        "json_logs",
        "request_timeout",
        "num_retries",
        "fallbacks",
        "context_window_fallbacks",
        "content_policy_fallbacks",
        "default_fallbacks",
        "success_callback",
        "failure_callback",
        "callbacks",
        "service_callback",
        "cache",
        "cache_params",
        "turn_off_message_logging",
        "redact_user_api_key_info",
        "max_budget",
        "budget_duration",
        "default_team_settings",
        "sse_keepalive_ping_interval_seconds",
        "max_fallbacks",
        "allowed_fails",
    }
)

# Defaults in code (constants.py, router.py).
DEFAULT_REQUEST_TIMEOUT = 6000.0
DEFAULT_NUM_RETRIES = 2

# ``model_info.mode`` values (model_prices_and_context_window.json) and common misspellings.
TEXT_MODES: frozenset[str] = frozenset({"chat", "completion", "responses"})
MODE_SYNONYMS: dict[str, str] = {
    "embeddings": "embedding",
    "embed": "embedding",
    "tts": "audio_speech",
    "speech": "audio_speech",
    "text_to_speech": "audio_speech",
    "transcription": "audio_transcription",
    "stt": "audio_transcription",
    "speech_to_text": "audio_transcription",
    "image": "image_generation",
    "images": "image_generation",
    "image_generations": "image_generation",
    "video": "video_generation",
    "reranking": "rerank",
    "moderations": "moderation",
    "text": "completion",
    "text_completion": "completion",
    "chat_completion": "chat",
    "chat_completions": "chat",
    "response": "responses",
}
NON_TEXT_MODES: frozenset[str] = frozenset(
    {
        "embedding",
        "image_generation",
        "image_edit",
        "audio_transcription",
        "audio_speech",
        "moderation",
        "rerank",
        "ocr",
        "search",
        "vector_store",
        "video_generation",
        "evaluation",
        "extraction",
        "guardrail",
        "realtime",
    }
)

# Model names that are not text generation, and what they are; only consulted when
# ``model_info.mode`` does not say. Matched case-insensitively against ``litellm_params.model``,
# ``model_name`` and ``model_info.base_model``.
NON_TEXT_NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"embed", "embedding"),  # text-embedding-3-*, nomic-embed-text, embed-english-v3, ...
    (r"(?:^|[/_.:-])(?:bge|gte|e5)(?:[_.:-]|$)", "embedding"),
    (r"whisper|transcri|(?:^|[/_.-])(?:asr|stt)(?:[_.:-]|$)|chirp", "audio_transcription"),
    (
        r"(?:^|[^a-z])tts(?:[^a-z]|$)|(?:^|[/_.-])speech(?:[_.:-]|$)|orpheus|lyria",
        "audio_speech",
    ),
    (
        r"dall-?e|gpt-image|imagen|(?:^|[/_.-])flux|stable-diffusion|stable-image|sdxl|"
        r"(?:^|[/_.-])sd3|midjourney|ideogram|image-gen|nova-canvas|"
        r"(?:^|[/_.-])image(?:[_.:-]|\d|$)",
        "image_generation",
    ),
    (r"upscale|outpaint|inpaint|style-transfer", "image_edit"),
    (r"rerank", "rerank"),
    (r"moderation|llama-?guard", "moderation"),
    (r"(?:^|[/_.-])(?:sora|veo|video)(?:[_.:-]|$)|nova-reel", "video_generation"),
    (r"realtime|native-audio|(?:^|[/_.-])live(?:[_.:-]|$)|nova-(?:\d-)?sonic", "realtime"),
    (r"(?:^|[/_.-])ocr(?:[_.:-]|$)|document-ai|doc-intelligence", "ocr"),
    (r"(?:^|/)search$", "search"),
)
# Providers (the ``provider/`` prefix of ``litellm_params.model``) that serve no text generation.
NON_TEXT_PROVIDERS: dict[str, str] = {
    "deepgram": "audio_transcription",
    "assemblyai": "audio_transcription",
    "soniox": "audio_transcription",
    "elevenlabs": "audio_speech",
    "aws_polly": "audio_speech",
    "nvidia_riva": "audio_speech",
    "fal_ai": "image_generation",
    "stability": "image_generation",
    "recraft": "image_generation",
    "black_forest_labs": "image_generation",
    "runwayml": "video_generation",
    "voyage": "embedding",
    "jina_ai": "embedding",
    "infinity": "embedding",
}

# Output caps a deployment may carry in ``litellm_params`` (forwarded as request defaults).
OUTPUT_CAP_KEYS: tuple[str, ...] = (
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "max_new_tokens",
    "max_tokens_to_sample",
    "num_predict",
)

# Deployments LiteLLM sends to OpenAI's legacy Completions API (``/v1/completions``), whose
# ``max_tokens`` defaults to 16: an uncapped request is cut after 16 tokens, not run to the
# model's limit. By provider prefix of ``litellm_params.model`` (``get_llm_provider``), or by
# the bare names LiteLLM routes there (``open_ai_text_completion_models``; fine-tuned
# ``ft:davinci-002``/``ft:babbage-002`` whatever the prefix, as ``main.completion`` does).
LEGACY_COMPLETION_PROVIDERS: tuple[str, ...] = ("text-completion-openai", "azure_text")
LEGACY_COMPLETION_MODELS: tuple[str, ...] = (
    "gpt-3.5-turbo-instruct",
    "gpt-3.5-turbo-instruct-0914",
    "davinci-002",
    "babbage-002",
)
LEGACY_COMPLETION_DEFAULT_CAP = 16
# Their context windows hold the prompt and the answer (gpt-3.5-turbo-instruct: 4,097
# tokens), and a request whose prompt plus ``max_tokens`` exceeds it is refused: the fix
# adds no more than this.
LEGACY_COMPLETION_FIX_CAP = 1024
