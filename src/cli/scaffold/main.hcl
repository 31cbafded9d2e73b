# A new mcctl workspace. `mcctl plan` shows what would change; `mcctl apply` makes it so.
# docs/config.md describes every block.

settings {
  workspace = "my-app"

  rollout {
    # The canary cluster goes first in every wave, then the rest.
    order = ["tier=canary", "*"]
  }
}

# Set with `--var image_tag=…`, a `--var-file`, or MCCTL_VAR_image_tag.
variable "image_tag" {
  type        = string
  default     = "1.27"
  description = "Tag of the nginx image"

  validation {
    condition     = length(var.image_tag) > 0
    error_message = "the tag cannot be empty"
  }
}

locals {
  image = format("nginx:%s", var.image_tag)
}

# Two Pull clusters: mcctl writes their objects under out/ for a GitOps agent to sync.
cluster "staging" {
  directory = "out/staging"
  region    = "eu-west-1"
  labels    = { env = "staging", tier = "canary" }
}

cluster "production" {
  directory = "out/production"
  region    = "us-east-1"
  labels    = { env = "production" }
}

# Plain Kubernetes manifests from files…
template "app" {
  source = "manifests/*.yaml"
}

# …or written inline.
template "settings" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "app-settings" }
    data       = { IMAGE = local.image }
  }
}

# The Deployment runs in every cluster, 4 replicas split by weight.
propagation_policy "app" {
  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
    name        = "app"
  }

  placement {
    replica_scheduling {
      replica_scheduling_type     = "Divided"
      replica_division_preference = "Weighted"

      weight_preference {
        static_weight {
          target_cluster {
            cluster_names = ["production"]
          }
          weight = 3
        }
        static_weight {
          target_cluster {
            cluster_names = ["staging"]
          }
          weight = 1
        }
      }
    }
  }
}

# ConfigMaps and Services go everywhere.
cluster_propagation_policy "shared" {
  resource_selector {
    api_version = "v1"
    kind        = "ConfigMap"
  }
  resource_selector {
    api_version = "v1"
    kind        = "Service"
  }
}

# Staging runs the image from its own registry…
override_policy "staging-registry" {
  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
  }

  override_rule {
    target_cluster {
      cluster_names = ["staging"]
    }
    image_overrider {
      component = "Registry"
      operator  = "replace"
      value     = "registry.staging.example"
    }
  }
}

# …and every Deployment gets the region it runs in.
cluster_override_policy "region-label" {
  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
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
      path     = "/metadata/labels/region"
      operator = "add"
      value    = "us-east-1"
    }
  }
}
