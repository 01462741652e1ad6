"""Kubernetes manifests that sit in front of a stream: Ingress resources (the community
ingress-nginx controller and NGINX Inc.'s), the ingress-nginx controller ConfigMap, Gateway API
routes, and the Helm charts that template them (``.Values`` resolved from ``values.yaml``)."""
