package main

// Realistic, fully populated event shapes for POST /events mode "mixed", with entity
// arguments that reference the simulator's real inventory. Each shape is built once per
// call and VM (a template), round-tripped through the SOAP encoding so it is exactly what
// a client decodes, and then shallow-copied per event (nested values are shared and never
// modified; the store only sets the base fields of the copy).

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Text with the characters a converter gets wrong: quotes, markup, ampersands,
// backslashes, non-ASCII (2-, 3- and 4-byte UTF-8), a line separator, tab and newline.
const (
	specialText = "Grüße \"prod\" <critical> & 'ops' C:\\vms\\näme — 日本語 ✓ 😀 \u2028end"
	specialNote = "Owner: \"Ops\" <ops@example.com> & Co.\\backup\n\tzweite Zeile – ü"
)

// defaultShapes is the mixed-mode cycle.
var defaultShapes = []string{
	"VmPoweredOnEvent",
	"VmPoweredOffEvent",
	"VmReconfiguredEvent",
	"VmBeingCreatedEvent",
	"VmCreatedEvent",
	"EventEx",
	"ExtendedEvent",
	"AlarmStatusChangedEvent",
	"TaskEvent",
	"UserLoginSessionEvent",
	"UserLogoutSessionEvent",
	"VmRelocatedEvent",
	"VmMigratedEvent",
	"HostConnectionLostEvent",
	"DatastoreRenamedEvent",
	"DrsVmPoweredOnEvent",
	"GeneralUserEvent",
}

const (
	defaultEventExID       = "com.vmware.vc.vm.VmStateRevertedToSnapshot"
	defaultExtendedEventID = "com.vmware.vcIntegrity.ScanStart"
)

// invCtx holds the entity arguments around one VM of the inventory.
type invCtx struct {
	dc       types.DatacenterEventArgument
	cr       types.ComputeResourceEventArgument
	host     types.HostEventArgument
	srcHost  types.HostEventArgument // another host, the source of migrations
	vm       types.VmEventArgument
	ds       types.DatastoreEventArgument
	net      types.NetworkEventArgument
	rootName string
	root     types.ManagedObjectReference
}

type shapes struct {
	once sync.Once
	ctxs []*invCtx
}

func newShapes() *shapes { return &shapes{} }

func entityArg(ref types.ManagedObjectReference) types.EntityEventArgument {
	return types.EntityEventArgument{Name: entityName(ref)}
}

// inventory collects one invCtx per VM, sorted by VM name (deterministic).
func (s *shapes) inventory() []*invCtx {
	s.once.Do(func() {
		si := simulator.Map.Get(types.ManagedObjectReference{Type: "ServiceInstance", Value: "ServiceInstance"}).(*simulator.ServiceInstance)
		root := si.Content.RootFolder
		var hosts []types.ManagedObjectReference
		for _, e := range simulator.Map.All("HostSystem") {
			hosts = append(hosts, e.Reference())
		}
		sort.Slice(hosts, func(i, j int) bool { return entityName(hosts[i]) < entityName(hosts[j]) })

		vms := simulator.Map.All("VirtualMachine")
		sort.Slice(vms, func(i, j int) bool { return vms[i].Entity().Name < vms[j].Entity().Name })
		for _, e := range vms {
			vm, ok := e.(*simulator.VirtualMachine)
			if !ok || vm.Runtime.Host == nil || len(vm.Datastore) == 0 {
				continue
			}
			c := &invCtx{root: root, rootName: entityName(root)}
			c.vm = types.VmEventArgument{EntityEventArgument: entityArg(vm.Self), Vm: vm.Self}
			h := *vm.Runtime.Host
			c.host = types.HostEventArgument{EntityEventArgument: entityArg(h), Host: h}
			src := h
			for _, other := range hosts {
				if other != h {
					src = other
					break
				}
			}
			c.srcHost = types.HostEventArgument{EntityEventArgument: entityArg(src), Host: src}
			if hs, ok := simulator.Map.Get(h).(mo.Entity); ok && hs.Entity().Parent != nil {
				cr := *hs.Entity().Parent
				c.cr = types.ComputeResourceEventArgument{EntityEventArgument: entityArg(cr), ComputeResource: cr}
			}
			for _, a := range ancestors(vm.Self) {
				if a.Type == "Datacenter" {
					c.dc = types.DatacenterEventArgument{EntityEventArgument: entityArg(a), Datacenter: a}
					break
				}
			}
			ds := vm.Datastore[0]
			c.ds = types.DatastoreEventArgument{EntityEventArgument: entityArg(ds), Datastore: ds}
			if len(vm.Network) > 0 {
				n := vm.Network[0]
				c.net = types.NetworkEventArgument{EntityEventArgument: entityArg(n), Network: n}
			}
			s.ctxs = append(s.ctxs, c)
		}
	})
	return s.ctxs
}

// shapeSpec is one entry of the cycle: a class, and for EventEx/ExtendedEvent its eventTypeId.
type shapeSpec struct {
	class  string
	typeID string
}

// parseShapeList turns POST /events "types" into specs; an empty list is the default cycle.
func parseShapeList(list []string) ([]shapeSpec, error) {
	if len(list) == 0 {
		list = defaultShapes
	}
	var out []shapeSpec
	for _, item := range list {
		class, id := item, ""
		if i := strings.IndexByte(item, ':'); i >= 0 {
			class, id = item[:i], item[i+1:]
			if class != "EventEx" && class != "ExtendedEvent" {
				return nil, fmt.Errorf("%q: only EventEx and ExtendedEvent take an event type id", item)
			}
		}
		if _, ok := eventClass(class); !ok {
			return nil, fmt.Errorf("%q is not an event class of govmomi's vim25/types", class)
		}
		out = append(out, shapeSpec{class, id})
	}
	return out, nil
}

var eventIface = reflect.TypeOf((*types.BaseEvent)(nil)).Elem()

// eventClass resolves a class name to its struct type if it is an event.
func eventClass(name string) (reflect.Type, bool) {
	t, ok := types.TypeFunc()(name)
	if !ok || t.Kind() != reflect.Struct || t.Name() != name || !reflect.PtrTo(t).Implements(eventIface) {
		return nil, false
	}
	return t, true
}

// templates builds (and round-trips) one template per shape and VM.
func (s *shapes) templates(specs []shapeSpec, now time.Time) ([][]types.BaseEvent, error) {
	ctxs := s.inventory()
	if len(ctxs) == 0 {
		return nil, fmt.Errorf("no virtual machines in the inventory")
	}
	out := make([][]types.BaseEvent, len(ctxs))
	for i, c := range ctxs {
		for j, spec := range specs {
			ev := buildShape(c, spec, i*len(specs)+j, now)
			formatMessage(ev)
			rt, err := roundTrip(ev)
			if err != nil {
				return nil, fmt.Errorf("%s: %s", spec.class, err)
			}
			out[i] = append(out[i], rt)
		}
	}
	return out, nil
}

// mixed returns count events cycling through specs (and through the VMs once per cycle),
// with each event's wire template.
func (s *shapes) mixed(specs []shapeSpec, count int, now time.Time) ([]types.BaseEvent, []*wireTemplate, error) {
	tmpl, err := s.templates(specs, now)
	if err != nil {
		return nil, nil, err
	}
	wire := make([][]*wireTemplate, len(tmpl))
	for i, row := range tmpl {
		for _, t := range row {
			wire[i] = append(wire[i], newWireTemplate(t))
		}
	}
	out := make([]types.BaseEvent, count)
	outWire := make([]*wireTemplate, count)
	for i := 0; i < count; i++ {
		row, col := (i/len(specs))%len(tmpl), i%len(specs)
		out[i] = shallowCopy(tmpl[row][col])
		outWire[i] = wire[row][col]
	}
	return out, outWire, nil
}

func shallowCopy(ev types.BaseEvent) types.BaseEvent {
	v := reflect.ValueOf(ev)
	c := reflect.New(v.Type().Elem())
	c.Elem().Set(v.Elem())
	return c.Interface().(types.BaseEvent)
}

func ptrTime(t time.Time) *time.Time { return &t }
func ptrBool(b bool) *bool           { return &b }
func ptrInt32(i int32) *int32        { return &i }
func ptrInt64(i int64) *int64        { return &i }

func (c *invCtx) vmEvent() types.VmEvent {
	return types.VmEvent{Event: types.Event{
		UserName:        "VSPHERE.LOCAL\\Administrator",
		Datacenter:      &types.DatacenterEventArgument{EntityEventArgument: c.dc.EntityEventArgument, Datacenter: c.dc.Datacenter},
		ComputeResource: &types.ComputeResourceEventArgument{EntityEventArgument: c.cr.EntityEventArgument, ComputeResource: c.cr.ComputeResource},
		Host:            &types.HostEventArgument{EntityEventArgument: c.host.EntityEventArgument, Host: c.host.Host},
		Vm:              &types.VmEventArgument{EntityEventArgument: c.vm.EntityEventArgument, Vm: c.vm.Vm},
		Ds:              &types.DatastoreEventArgument{EntityEventArgument: c.ds.EntityEventArgument, Datastore: c.ds.Datastore},
		Net:             c.netArg(),
	}}
}

func (c *invCtx) netArg() *types.NetworkEventArgument {
	if c.net.Network.Value == "" {
		return nil
	}
	n := c.net
	return &n
}

func (c *invCtx) hostEvent() types.Event {
	return types.Event{
		UserName:        "",
		Datacenter:      &types.DatacenterEventArgument{EntityEventArgument: c.dc.EntityEventArgument, Datacenter: c.dc.Datacenter},
		ComputeResource: &types.ComputeResourceEventArgument{EntityEventArgument: c.cr.EntityEventArgument, ComputeResource: c.cr.ComputeResource},
		Host:            &types.HostEventArgument{EntityEventArgument: c.host.EntityEventArgument, Host: c.host.Host},
	}
}

func (c *invCtx) configSpec(now time.Time) types.VirtualMachineConfigSpec {
	unit0, unit7 := int32(0), int32(7)
	return types.VirtualMachineConfigSpec{
		ChangeVersion:       now.Add(-time.Hour).Format(time.RFC3339Nano),
		Name:                c.vm.Name,
		Version:             "vmx-19",
		CreateDate:          ptrTime(now.Add(-90 * 24 * time.Hour).Truncate(time.Millisecond)),
		Uuid:                "42161e4e-3f0b-5d7f-8a1e-2d3c4b5a6978",
		InstanceUuid:        "50161e4e-aaaa-bbbb-cccc-2d3c4b5a6978",
		GuestId:             "otherGuest64",
		Annotation:          specialNote,
		NumCPUs:             4,
		NumCoresPerSocket:   2,
		MemoryMB:            8192,
		MemoryHotAddEnabled: ptrBool(true),
		CpuHotAddEnabled:    ptrBool(false),
		Files:               &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s] %s/%s.vmx", c.ds.Name, c.vm.Name, c.vm.Name)},
		CpuAllocation: &types.ResourceAllocationInfo{
			Reservation: ptrInt64(1000), Limit: ptrInt64(-1), ExpandableReservation: ptrBool(false),
			Shares: &types.SharesInfo{Shares: 4000, Level: types.SharesLevelNormal},
		},
		DeviceChange: []types.BaseVirtualDeviceConfigSpec{
			&types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationAdd,
				Device: &types.VirtualE1000{VirtualEthernetCard: types.VirtualEthernetCard{
					VirtualDevice: types.VirtualDevice{
						Key:        -101,
						DeviceInfo: &types.Description{Label: "Network adapter 2", Summary: c.net.Name},
						Backing: &types.VirtualEthernetCardNetworkBackingInfo{
							VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: c.net.Name, UseAutoDetect: ptrBool(false)},
							Network:                        &types.ManagedObjectReference{Type: c.net.Network.Type, Value: c.net.Network.Value},
						},
						Connectable:   &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true, Connected: false, Status: "untried"},
						ControllerKey: 100,
						UnitNumber:    &unit7,
					},
					AddressType:      "generated",
					MacAddress:       "00:50:56:9a:1b:2c",
					WakeOnLanEnabled: ptrBool(true),
				}},
			},
			&types.VirtualDeviceConfigSpec{
				Operation:     types.VirtualDeviceConfigSpecOperationEdit,
				FileOperation: "",
				Device: &types.VirtualDisk{
					VirtualDevice: types.VirtualDevice{
						Key:        2000,
						DeviceInfo: &types.Description{Label: "Hard disk 1", Summary: "16,777,216 KB"},
						Backing: &types.VirtualDiskFlatVer2BackingInfo{
							VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{
								FileName:  fmt.Sprintf("[%s] %s/%s.vmdk", c.ds.Name, c.vm.Name, c.vm.Name),
								Datastore: &types.ManagedObjectReference{Type: c.ds.Datastore.Type, Value: c.ds.Datastore.Value},
							},
							DiskMode:        string(types.VirtualDiskModePersistent),
							ThinProvisioned: ptrBool(true),
							Uuid:            "6000C29a-1b2c-3d4e-5f60-718293a4b5c6",
						},
						ControllerKey: 1000,
						UnitNumber:    &unit0,
					},
					CapacityInKB:    16777216,
					CapacityInBytes: 17179869184,
					Shares:          &types.SharesInfo{Shares: 1000, Level: types.SharesLevelNormal},
					Iofilter:        []string{"vmwarevmcrypt", "spm"},
				},
			},
			&types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationAdd,
				Device: &types.VirtualCdrom{VirtualDevice: types.VirtualDevice{
					Key:        -102,
					DeviceInfo: &types.Description{Label: "CD/DVD drive 1", Summary: "ISO [" + c.ds.Name + "] iso/ubuntu.iso"},
					Backing: &types.VirtualCdromIsoBackingInfo{VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{
						FileName: "[" + c.ds.Name + "] iso/ubuntu-22.04 \"server\" & <amd64>.iso",
					}},
					Connectable:   &types.VirtualDeviceConnectInfo{StartConnected: true, Connected: true, Status: "ok"},
					ControllerKey: 200,
					UnitNumber:    &unit0,
				}},
			},
		},
		ExtraConfig: []types.BaseOptionValue{
			&types.OptionValue{Key: "guestinfo.note", Value: specialText},
			&types.OptionValue{Key: "svga.vramSize", Value: int32(8388608)},
			&types.OptionValue{Key: "tools.syncTime", Value: true},
		},
		Firmware: "efi",
	}
}

func (c *invCtx) taskInfo(i int, now time.Time) types.TaskInfo {
	q := now.Add(-3 * time.Second).Add(123456789)
	start := q.Add(250 * time.Millisecond)
	info := types.TaskInfo{
		Key:  fmt.Sprintf("task-%d", 1000+i),
		Task: types.ManagedObjectReference{Type: "Task", Value: fmt.Sprintf("task-%d", 1000+i)},
		Description: &types.LocalizableMessage{
			Key:     "com.vmware.vim.vpxd.vpx.vmprov.PowerOn",
			Arg:     []types.KeyAnyValue{{Key: "vm", Value: c.vm.Name}, {Key: "attempt", Value: int32(1)}, {Key: "forced", Value: false}},
			Message: "Power on " + c.vm.Name,
		},
		Name:          "PowerOnVM_Task",
		DescriptionId: "VirtualMachine.powerOn",
		Entity:        &types.ManagedObjectReference{Type: c.vm.Vm.Type, Value: c.vm.Vm.Value},
		EntityName:    c.vm.Name,
		Locked:        []types.ManagedObjectReference{c.vm.Vm, c.host.Host},
		State:         types.TaskInfoStateSuccess,
		Cancelled:     false,
		Cancelable:    true,
		Result:        c.vm.Vm,
		Progress:      100,
		Reason:        &types.TaskReasonUser{UserName: "VSPHERE.LOCAL\\Administrator"},
		QueueTime:     q,
		StartTime:     &start,
		CompleteTime:  ptrTime(start.Add(1500 * time.Millisecond)),
		EventChainId:  int32(5000 + i),
		ParentTaskKey: "",
		RootTaskKey:   fmt.Sprintf("task-%d", 1000+i),
		ActivationId:  "act-" + fmt.Sprint(i),
	}
	if i%2 == 1 { // every other task failed
		info.State = types.TaskInfoStateError
		info.Result = nil
		info.Progress = 37
		info.Error = &types.LocalizedMethodFault{
			Fault: &types.InvalidPowerState{
				InvalidState:   types.InvalidState{VimFault: types.VimFault{MethodFault: types.MethodFault{}}},
				RequestedState: types.VirtualMachinePowerStatePoweredOn,
				ExistingState:  types.VirtualMachinePowerStatePoweredOn,
			},
			LocalizedMessage: "The attempted operation cannot be performed in the current state (Powered on).",
		}
	}
	return info
}

// buildShape makes one fully populated event of the given spec around ctx c.
func buildShape(c *invCtx, spec shapeSpec, i int, now time.Time) types.BaseEvent {
	switch spec.class {
	case "VmPoweredOnEvent":
		return &types.VmPoweredOnEvent{VmEvent: c.vmEvent()}
	case "VmPoweredOffEvent":
		return &types.VmPoweredOffEvent{VmEvent: c.vmEvent()}
	case "DrsVmPoweredOnEvent":
		e := &types.DrsVmPoweredOnEvent{VmPoweredOnEvent: types.VmPoweredOnEvent{VmEvent: c.vmEvent()}}
		e.UserName = ""
		return e
	case "VmReconfiguredEvent":
		return &types.VmReconfiguredEvent{
			VmEvent:       c.vmEvent(),
			ConfigSpec:    c.configSpec(now),
			ConfigChanges: &types.ChangesInfoEventArgument{Modified: "config.hardware.numCPU: 2 -> 4; ", Added: "config.hardware.device(4000): (key = 4000, deviceInfo = (label = \"Network adapter 2\"))", Deleted: ""},
		}
	case "VmBeingCreatedEvent":
		spec := c.configSpec(now)
		spec.DeviceChange = spec.DeviceChange[:1]
		return &types.VmBeingCreatedEvent{VmEvent: c.vmEvent(), ConfigSpec: &spec}
	case "VmCreatedEvent":
		return &types.VmCreatedEvent{VmEvent: c.vmEvent()}
	case "VmRelocatedEvent":
		return &types.VmRelocatedEvent{
			VmRelocateSpecEvent: types.VmRelocateSpecEvent{VmEvent: c.vmEvent()},
			SourceHost:          c.srcHost,
			SourceDatacenter:    &types.DatacenterEventArgument{EntityEventArgument: c.dc.EntityEventArgument, Datacenter: c.dc.Datacenter},
			SourceDatastore:     &types.DatastoreEventArgument{EntityEventArgument: c.ds.EntityEventArgument, Datastore: c.ds.Datastore},
		}
	case "VmMigratedEvent":
		return &types.VmMigratedEvent{
			VmEvent:          c.vmEvent(),
			SourceHost:       c.srcHost,
			SourceDatacenter: &types.DatacenterEventArgument{EntityEventArgument: c.dc.EntityEventArgument, Datacenter: c.dc.Datacenter},
			SourceDatastore:  &types.DatastoreEventArgument{EntityEventArgument: c.ds.EntityEventArgument, Datastore: c.ds.Datastore},
		}
	case "EventEx":
		id := spec.typeID
		if id == "" {
			id = defaultEventExID
		}
		e := &types.EventEx{
			Event:       c.vmEvent().Event,
			EventTypeId: id,
			Severity:    "warning",
			Message:     specialText,
			Arguments: []types.KeyAnyValue{
				{Key: "vm.name", Value: c.vm.Name},
				{Key: "snapshotName", Value: "before <upgrade> & \"patch\""},
				{Key: "retries", Value: int32(3)},
				{Key: "quiesced", Value: true},
			},
			ObjectId:   c.vm.Vm.Value,
			ObjectType: "vim.VirtualMachine",
			ObjectName: c.vm.Name,
		}
		e.FullFormattedMessage = fmt.Sprintf("%s reverted to snapshot \"before <upgrade> & patch\" — %s", c.vm.Name, "ok ✓")
		return e
	case "ExtendedEvent":
		id := spec.typeID
		if id == "" {
			id = defaultExtendedEventID
		}
		e := &types.ExtendedEvent{
			GeneralEvent:  types.GeneralEvent{Event: c.hostEvent(), Message: "Scan started: " + specialText},
			EventTypeId:   id,
			ManagedObject: c.host.Host,
			Data: []types.ExtendedEventPair{
				{Key: "baseline", Value: "Critical Host Patches (Predefined)"},
				{Key: "path", Value: "C:\\ProgramData\\VMware\\VMware Update Manager\\Data"},
				{Key: "note", Value: "<b>bold</b> & \"quoted\" — Größe"},
			},
		}
		e.UserName = "com.vmware.vcIntegrity"
		e.FullFormattedMessage = "Scan entity " + c.host.Name + " started"
		return e
	case "AlarmStatusChangedEvent":
		e := &types.AlarmStatusChangedEvent{
			AlarmEvent: types.AlarmEvent{
				Event: c.hostEvent(),
				Alarm: types.AlarmEventArgument{EntityEventArgument: types.EntityEventArgument{Name: "Host connection and power state"}, Alarm: types.ManagedObjectReference{Type: "Alarm", Value: "alarm-1"}},
			},
			Source: types.ManagedEntityEventArgument{EntityEventArgument: types.EntityEventArgument{Name: c.rootName}, Entity: c.root},
			Entity: types.ManagedEntityEventArgument{EntityEventArgument: types.EntityEventArgument{Name: c.host.Name}, Entity: c.host.Host},
			From:   "green",
			To:     "red",
		}
		e.FullFormattedMessage = fmt.Sprintf("Alarm 'Host connection and power state' on %s changed from Green to Red", c.host.Name)
		return e
	case "TaskEvent":
		e := &types.TaskEvent{Event: c.vmEvent().Event, Info: c.taskInfo(i, now)}
		e.FullFormattedMessage = "Task: Power On virtual machine"
		return e
	case "UserLoginSessionEvent":
		e := &types.UserLoginSessionEvent{
			SessionEvent: types.SessionEvent{Event: types.Event{UserName: "VSPHERE.LOCAL\\Administrator"}},
			IpAddress:    "10.0.0.15",
			UserAgent:    "pyvmomi Python/3.11.2 (Linux; 6.1.0; x86_64)",
			Locale:       "en",
			SessionId:    fmt.Sprintf("52a1b2c3-%04x-4d5e-8f90-a1b2c3d4e5f6", i%65536),
		}
		e.FullFormattedMessage = "User VSPHERE.LOCAL\\Administrator@10.0.0.15 logged in as pyvmomi Python/3.11.2 (Linux; 6.1.0; x86_64)"
		return e
	case "UserLogoutSessionEvent":
		e := &types.UserLogoutSessionEvent{
			SessionEvent: types.SessionEvent{Event: types.Event{UserName: "VSPHERE.LOCAL\\Administrator"}},
			IpAddress:    "10.0.0.15",
			UserAgent:    "govc/0.24.0",
			CallCount:    4711,
			SessionId:    fmt.Sprintf("52a1b2c3-%04x-4d5e-8f90-a1b2c3d4e5f6", i%65536),
			LoginTime:    ptrTime(now.Add(-2*time.Hour + 987654321)),
		}
		e.FullFormattedMessage = "User VSPHERE.LOCAL\\Administrator@10.0.0.15 logged out (login time: ..., number of API invocations: 4711, user agent: govc/0.24.0)"
		return e
	case "HostConnectionLostEvent":
		return &types.HostConnectionLostEvent{HostEvent: types.HostEvent{Event: c.hostEvent()}}
	case "DatastoreRenamedEvent":
		ds := &types.DatastoreEventArgument{EntityEventArgument: c.ds.EntityEventArgument, Datastore: c.ds.Datastore}
		e := &types.DatastoreRenamedEvent{
			DatastoreEvent: types.DatastoreEvent{
				Event: types.Event{
					UserName:   "VSPHERE.LOCAL\\Administrator",
					Datacenter: &types.DatacenterEventArgument{EntityEventArgument: c.dc.EntityEventArgument, Datacenter: c.dc.Datacenter},
					Ds:         ds,
				},
				Datastore: ds,
			},
			OldName: c.ds.Name,
			NewName: c.ds.Name + "-\"neu\" <&> \\ é",
		}
		return e
	case "GeneralUserEvent":
		e := &types.GeneralUserEvent{
			GeneralEvent: types.GeneralEvent{Event: types.Event{UserName: "VSPHERE.LOCAL\\Administrator",
				Datacenter: &types.DatacenterEventArgument{EntityEventArgument: c.dc.EntityEventArgument, Datacenter: c.dc.Datacenter},
				Vm:         &types.VmEventArgument{EntityEventArgument: c.vm.EntityEventArgument, Vm: c.vm.Vm},
			}, Message: specialText},
			Entity: &types.ManagedEntityEventArgument{EntityEventArgument: c.vm.EntityEventArgument, Entity: c.vm.Vm},
		}
		e.FullFormattedMessage = "User logged event: " + specialText
		return e
	}
	return c.generic(spec.class)
}

// generic makes an event of any class with the base fields filled from the inventory.
func (c *invCtx) generic(class string) types.BaseEvent {
	t, _ := eventClass(class)
	ev := reflect.New(t).Interface().(types.BaseEvent)
	e := ev.GetEvent()
	e.UserName = "VSPHERE.LOCAL\\Administrator"
	e.Datacenter = &types.DatacenterEventArgument{EntityEventArgument: c.dc.EntityEventArgument, Datacenter: c.dc.Datacenter}
	switch {
	case strings.HasPrefix(class, "Vm") || strings.HasPrefix(class, "Drs"):
		ve := c.vmEvent().Event
		e.ComputeResource, e.Host, e.Vm, e.Ds, e.Net = ve.ComputeResource, ve.Host, ve.Vm, ve.Ds, ve.Net
	case strings.HasPrefix(class, "Host"):
		he := c.hostEvent()
		e.ComputeResource, e.Host = he.ComputeResource, he.Host
	case strings.HasPrefix(class, "Datastore"):
		e.Ds = &types.DatastoreEventArgument{EntityEventArgument: c.ds.EntityEventArgument, Datastore: c.ds.Datastore}
	case strings.HasPrefix(class, "Cluster"):
		e.ComputeResource = &types.ComputeResourceEventArgument{EntityEventArgument: c.cr.EntityEventArgument, ComputeResource: c.cr.ComputeResource}
	}
	return ev
}

var (
	msgMu        sync.Mutex
	msgTemplates = map[string]*template.Template{}
)

// formatMessage fills fullFormattedMessage from the simulator's event descriptions when empty.
func formatMessage(ev types.BaseEvent) {
	e := ev.GetEvent()
	if e.FullFormattedMessage != "" {
		return
	}
	id := className(ev)
	msgMu.Lock()
	t, ok := msgTemplates[id]
	if !ok {
		for _, info := range simulator.Map.EventManager().Description.EventInfo {
			if info.Key == id {
				t, _ = template.New(id).Parse(info.FullFormat)
				break
			}
		}
		msgTemplates[id] = t
	}
	msgMu.Unlock()
	if t == nil {
		e.FullFormattedMessage = id
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, ev); err == nil {
		e.FullFormattedMessage = buf.String()
	} else {
		e.FullFormattedMessage = id
	}
}
