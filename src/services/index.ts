// What the rest of Hydra uses from the services area.
export {
  ensureServices,
  configWithServices,
  type Services,
  type ServiceEndpoint,
  type ServicesOptions,
} from './ensure.ts';
export {
  findServices,
  servicesStatus,
  stopServices,
  type ServiceStatus,
  type ServicesReport,
  type StopResult,
} from './manage.ts';
export { findTorchPython, findChromium, findExecutable, type TorchPython } from './binaries.ts';
export { runDoctor, type DoctorCheck, type DoctorResult } from './doctor.ts';
export { probeNats, probeMysql, type ProbeResult } from './probe.ts';
export { ServiceError } from './errors.ts';
