//! One unit per resource kind: its spec and plan (pure), its read and apply (the SDK), and its
//! CloudFormation fragment. The walkers (planner, executor, reader, synth) call each unit.

pub mod state_machine;
