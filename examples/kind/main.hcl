# Three local kind clusters, reached through the kubeconfig that up.sh writes next to this file.
settings {
  workspace = "kind"

  rollout {
    # Canary first: every wave goes to eu-1 alone, and only once it is healthy to the others, one
    # cluster at a time.
    max_parallel_clusters = 1
    wait_timeout          = "3m"
    order                 = ["eu-1", "*"]
  }
}

# Push clusters. `kubeconfig` is relative to the workspace; `context` is the name kind gives the
# context of a cluster created with `kind create cluster --name mcctl-eu-1`. Labels live here, not
# on the clusters.
cluster "eu-1" {
  kubeconfig = "kubeconfig"
  context    = "kind-mcctl-eu-1"
  region     = "eu-west-1"
  labels     = { env = "dev", tier = "canary" }
}

cluster "eu-2" {
  kubeconfig = "kubeconfig"
  context    = "kind-mcctl-eu-2"
  region     = "eu-west-1"
  labels     = { env = "dev" }
}

cluster "us-1" {
  kubeconfig = "kubeconfig"
  context    = "kind-mcctl-us-1"
  region     = "us-east-1"
  labels     = { env = "dev" }
}

# The Deployment, the Service and the HorizontalPodAutoscaler, as plain manifests.
template "app" {
  source = "manifests/*.yaml"
}

# The ConfigMap, written inline.
template "config" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "web-config" }
    data = {
      LOG_LEVEL = "info"
      GREETING  = "hello from mcctl"
    }
  }
}
