# Workspace settings: the name is the value of the `mcctl.io/workspace` label on every object.
settings {
  workspace = "quickstart"

  rollout {
    # The canary cluster goes first in every wave, then the rest.
    order = ["tier=canary", "*"]
  }
}

# Member clusters. `directory` makes a cluster Pull: mcctl writes its objects as YAML files
# under that directory for a GitOps agent to sync.
cluster "eu-1" {
  directory = "out/eu-1"
  provider  = "aws"
  region    = "eu-west-1"
  zones     = ["eu-west-1a"]
  labels    = { env = "prod", tier = "canary" }
}

cluster "eu-2" {
  directory = "out/eu-2"
  provider  = "aws"
  region    = "eu-west-1"
  zones     = ["eu-west-1b"]
  labels    = { env = "prod" }
}

cluster "us-1" {
  directory = "out/us-1"
  provider  = "aws"
  region    = "us-east-1"
  zones     = ["us-east-1a"]
  labels    = { env = "prod" }
}

# The Deployment and the Service, as plain manifests.
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
