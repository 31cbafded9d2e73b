propagation_policy "web" {
  namespace = "shop"

  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
    namespace   = "billing"
  }
}
