# Every overrider on one Deployment, a ConfigMap holding YAML and a Secret, all on one cluster.
cluster "eu-1" {
  directory = "out/eu-1"
  region    = "eu-west-1"
  labels    = { env = "prod" }
}

template "app" {
  source = "manifests.yaml"
}

cluster_propagation_policy "everything" {
  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
  }
  resource_selector {
    api_version = "v1"
    kind        = "ConfigMap"
  }
  resource_selector {
    api_version = "v1"
    kind        = "Secret"
  }
}

override_policy "eu" {
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

    image_overrider {
      component = "Registry"
      operator  = "replace"
      value     = "eu.registry.example"
    }

    command_overrider {
      container_name = "web"
      operator       = "add"
      value          = ["--region=eu"]
    }

    args_overrider {
      container_name = "web"
      operator       = "remove"
      value          = ["--debug"]
    }

    labels_overrider {
      operator = "add"
      value    = { region = "eu" }
    }

    annotations_overrider {
      operator = "replace"
      value    = { owner = "eu-ops" }
    }

    plaintext {
      path     = "/spec/replicas"
      operator = "replace"
      value    = 3
    }
  }
}

cluster_override_policy "config" {
  resource_selector {
    api_version = "v1"
    kind        = "ConfigMap"
    name        = "web-config"
  }

  override_rule {
    field_overrider {
      field_path = "/data/app.yaml"

      yaml {
        sub_path = "/log/level"
        operator = "replace"
        value    = "debug"
      }
    }
  }
}

cluster_override_policy "secret" {
  resource_selector {
    api_version = "v1"
    kind        = "Secret"
  }

  override_rule {
    plaintext {
      path     = "/stringData/password"
      operator = "replace"
      value    = "eu-only-value"
    }
  }
}
