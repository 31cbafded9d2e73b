variable "tag" {
  type        = string
  default     = "1.4.2"
  description = "Image tag of the web Deployment"
}

variable "replicas" {
  type    = number
  default = 4

  validation {
    condition     = var.replicas >= 2
    error_message = "run at least 2 replicas"
  }
}

variable "regions" {
  type    = map(string)
  default = { eu = "eu-west-1", us = "us-east-1" }
}

locals {
  image  = format("registry.example.com/shop/web:%s", var.tag)
  labels = merge({ app = "web" }, { tier = "frontend" })
  zones  = concat(["a"], ["b"])
}

cluster "eu" {
  directory = "out/eu"
  region    = var.regions["eu"]
  zones     = local.zones
}

cluster "us" {
  directory = "out/us"
  region    = var.regions.us
}

template "web" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "web", labels = local.labels }
    spec = {
      replicas = var.replicas
      selector = { matchLabels = { app = "web" } }
      template = {
        metadata = { labels = { app = "web" } }
        spec     = { containers = [{ name = "web", image = local.image }] }
      }
    }
  }
}

template "motd" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "motd" }
    data       = { "motd.txt" = templatefile("templates/motd.tpl", { tag = var.tag }) }
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

  placement {
    replica_scheduling {
      replica_scheduling_type = "Divided"
    }
  }
}
