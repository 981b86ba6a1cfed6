// Synthesizes a CDK app in-process into a cloud assembly, the same output `cdk synth` writes, so the
// local cloud always runs exactly the template that would be deployed.
import type { App } from 'aws-cdk-lib';

export interface SynthesizedStack {
  assemblyDir: string;
  stackArtifactId: string;
  stackName: string;
}

/** Synthesizes the app and returns its single stack (or the one whose artifact id is given). */
export function synthesizeStack(app: App, stackArtifactId?: string): SynthesizedStack {
  const assembly = app.synth();
  const stacks = assembly.stacks;
  const stack = stackArtifactId ? stacks.find((s) => s.id === stackArtifactId) : stacks[0];
  if (!stack) {
    throw new Error(
      `The app synthesized no stack${stackArtifactId ? ` named ${stackArtifactId}` : ''} (stacks: ${stacks.map((s) => s.id).join(', ') || 'none'})`,
    );
  }
  if (!stackArtifactId && stacks.length > 1) {
    throw new Error(`The app synthesized ${stacks.length} stacks; say which one to run`);
  }
  return { assemblyDir: assembly.directory, stackArtifactId: stack.id, stackName: stack.stackName };
}
