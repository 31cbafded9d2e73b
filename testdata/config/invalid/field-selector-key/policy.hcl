cluster_propagation_policy "prod" {
  resource_selector {
    api_version = "v1"
    kind        = "ConfigMap"
  }

  placement {
    cluster_affinity {
      field_selector {
        match_expression {
          key      = "env"
          operator = "In"
          values   = ["prod"]
        }
      }
    }
  }
}
