package reply

// SplitHTML finds the reply in an HTML body.
func SplitHTML(s string) Result { return Result{} }
