ConsensusBench.entry()
