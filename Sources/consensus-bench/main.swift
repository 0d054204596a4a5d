print("consensus-bench")
