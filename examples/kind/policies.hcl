# The Deployment is divided 2:1:1 over the three clusters (8 replicas: 4/2/2).
propagation_policy "web" {
  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
    name        = "web"
  }

  placement {
    cluster_affinity {
      label_selector {
        match_labels = { env = "dev" }
      }
    }

    replica_scheduling {
      replica_scheduling_type     = "Divided"
      replica_division_preference = "Weighted"

      weight_preference {
        static_weight {
          target_cluster {
            cluster_names = ["eu-1"]
          }
          weight = 2
        }
        static_weight {
          target_cluster {
            cluster_names = ["eu-2", "us-1"]
          }
          weight = 1
        }
      }
    }
  }
}

# The Service, the ConfigMap and the HPA go to every cluster.
propagation_policy "web-support" {
  resource_selector {
    api_version = "v1"
    kind        = "Service"
    name        = "web"
  }
  resource_selector {
    api_version = "v1"
    kind        = "ConfigMap"
    name        = "web-config"
  }
  resource_selector {
    api_version = "autoscaling/v2"
    kind        = "HorizontalPodAutoscaler"
    name        = "web"
  }
}

# Each region tells the pods where they run. kind clusters cannot pull from made-up registries, so
# the override adds an environment variable instead of rewriting the image. Region is a cluster
# field, not a label, so the rules target clusters with a field selector.
override_policy "region-env" {
  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
    name        = "web"
  }

  override_rule {
    target_cluster {
      field_selector {
        match_expression {
          key      = "region"
          operator = "In"
          values   = ["eu-west-1"]
        }
      }
    }
    plaintext {
      path     = "/spec/template/spec/containers/0/env"
      operator = "add"
      value    = [{ name = "REGION", value = "eu" }]
    }
  }

  override_rule {
    target_cluster {
      field_selector {
        match_expression {
          key      = "region"
          operator = "In"
          values   = ["us-east-1"]
        }
      }
    }
    plaintext {
      path     = "/spec/template/spec/containers/0/env"
      operator = "add"
      value    = [{ name = "REGION", value = "us" }]
    }
  }
}
