cluster "eu-1" {
  directory = "out/eu-1"
}

override_policy "web" {
  override_rule {
    command_overrider {
      container_name = "web"
      operator       = "append"
      value          = ["--verbose"]
    }

    field_overrider {
      field_path = "/data/app.yaml"
    }
  }
}
