Welcome to web ${tag}
