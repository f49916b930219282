"""Per-kind registry strategies the API server (:mod:`kmodel.api`) calls on create and update
(upstream ``pkg/registry/<group>/<kind>``)."""
