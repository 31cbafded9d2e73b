# An autoscaled Deployment next to one mcctl scales, a ConfigMap with `mcctl.io/ignore-fields`,
# and a template block with `ignore_fields`, on two Pull clusters; the autoscaler runs on eu-1 only.
cluster "eu-1" {
  directory = "out/eu-1"
  region    = "eu-west-1"
}

cluster "us-1" {
  directory = "out/us-1"
  region    = "us-east-1"
}

template "app" {
  source = "app.yaml"
}

template "feature-flags" {
  ignore_fields = ["/data/rollout"]

  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "feature-flags" }
    data       = { checkout = "on", rollout = "10%" }
  }
}

cluster_propagation_policy "everywhere" {
  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
  }
  resource_selector {
    api_version = "v1"
    kind        = "ConfigMap"
  }
}

cluster_propagation_policy "autoscale-in-eu" {
  resource_selector {
    api_version = "autoscaling/v2"
    kind        = "HorizontalPodAutoscaler"
  }

  placement {
    cluster_affinity {
      cluster_names = ["eu-1"]
    }
  }
}
