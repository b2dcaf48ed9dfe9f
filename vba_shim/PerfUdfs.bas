Attribute VB_Name = "PerfUdfs"
' Generated from perf_addin.excel.udfs.UDF_SPECS by `perf-addin addin udfs`: do not edit by hand.
' Each PERF_* function forwards to Python through xlwings (Windows; xlwings has no UDFs on macOS).
#Const App = "Microsoft Excel"
Option Explicit

Function PERF_SCORE(profit_actual, profit_target, tasks_done, tasks_target, rating, Optional rules)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PERF_SCORE = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_SCORE", Array(profit_actual, profit_target, tasks_done, tasks_target, rating, rules), ActiveWorkbook, Application.Caller))
        Exit Function
    #Else
        PERF_SCORE = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_SCORE", Array(profit_actual, profit_target, tasks_done, tasks_target, rating, rules)))
        Exit Function
    #End If
failed:
    PERF_SCORE = Err.Description
End Function

Function PERF_PROFIT_POINTS(actual, target, Optional rules)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PERF_PROFIT_POINTS = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_PROFIT_POINTS", Array(actual, target, rules), ActiveWorkbook, Application.Caller))
        Exit Function
    #Else
        PERF_PROFIT_POINTS = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_PROFIT_POINTS", Array(actual, target, rules)))
        Exit Function
    #End If
failed:
    PERF_PROFIT_POINTS = Err.Description
End Function

Function PERF_TASK_POINTS(done, target, Optional rules)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PERF_TASK_POINTS = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_TASK_POINTS", Array(done, target, rules), ActiveWorkbook, Application.Caller))
        Exit Function
    #Else
        PERF_TASK_POINTS = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_TASK_POINTS", Array(done, target, rules)))
        Exit Function
    #End If
failed:
    PERF_TASK_POINTS = Err.Description
End Function

Function PERF_GRADE(score, Optional rules)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PERF_GRADE = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_GRADE", Array(score, rules), ActiveWorkbook, Application.Caller))
        Exit Function
    #Else
        PERF_GRADE = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_GRADE", Array(score, rules)))
        Exit Function
    #End If
failed:
    PERF_GRADE = Err.Description
End Function

Function PERF_MULTIPLIER(score, Optional rules)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PERF_MULTIPLIER = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_MULTIPLIER", Array(score, rules), ActiveWorkbook, Application.Caller))
        Exit Function
    #Else
        PERF_MULTIPLIER = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_MULTIPLIER", Array(score, rules)))
        Exit Function
    #End If
failed:
    PERF_MULTIPLIER = Err.Description
End Function

Function PERF_BONUS(base_bonus, score, Optional rules)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PERF_BONUS = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_BONUS", Array(base_bonus, score, rules), ActiveWorkbook, Application.Caller))
        Exit Function
    #Else
        PERF_BONUS = PerfErrors(XLPy.CallUDF("perf_addin.excel.udfs", "PERF_BONUS", Array(base_bonus, score, rules)))
        Exit Function
    #End If
failed:
    PERF_BONUS = Err.Description
End Function

Private Function PerfErrors(result)
    Dim r As Long, c As Long
    If IsArray(result) Then
        For r = LBound(result, 1) To UBound(result, 1)
            For c = LBound(result, 2) To UBound(result, 2)
                If VarType(result(r, c)) = vbString Then
                    If Left$(result(r, c), 6) = "#N/A: " Then result(r, c) = CVErr(xlErrNA)
                End If
            Next c
        Next r
    ElseIf VarType(result) = vbString Then
        If Left$(result, 6) = "#N/A: " Then result = CVErr(xlErrNA)
    End If
    PerfErrors = result
End Function

' Function-wizard help; errors are ignored so that loading the add-in never stops here.
Public Sub RegisterFunctionHelp()
    On Error Resume Next
    Application.MacroOptions Macro:="'" & ThisWorkbook.Name & "'!PERF_SCORE", _
        Description:="Total performance score: profit points + task points + rating points.", _
        Category:="Performance", _
        ArgumentDescriptions:=Array( _
            "Actual profit (may be 0 or negative)", _
            "Profit target (> 0)", _
            "Must-complete tasks actually completed", _
            "Must-complete tasks target (> 0)", _
            "Supervisor's discretionary rating (0-20 by default)", _
            "Optional: the rules sheet table (e.g. " & ChrW(&H89C4) & ChrW(&H5219) & "!A1:H20, starting at A1); omitted = default rules")
    Application.MacroOptions Macro:="'" & ThisWorkbook.Name & "'!PERF_PROFIT_POINTS", _
        Description:="Profit points: weight + slope " & ChrW(&HD7) & " (attainment % " & ChrW(&H2212) & " 100), floored at 0.", _
        Category:="Performance", _
        ArgumentDescriptions:=Array( _
            "Actual profit", _
            "Profit target (> 0)", _
            "Optional: the rules sheet table (e.g. " & ChrW(&H89C4) & ChrW(&H5219) & "!A1:H20, starting at A1); omitted = default rules")
    Application.MacroOptions Macro:="'" & ThisWorkbook.Name & "'!PERF_TASK_POINTS", _
        Description:="Task points: weight + slope " & ChrW(&HD7) & " (attainment % " & ChrW(&H2212) & " 100), floored at 0.", _
        Category:="Performance", _
        ArgumentDescriptions:=Array( _
            "Tasks completed", _
            "Tasks target (> 0)", _
            "Optional: the rules sheet table (e.g. " & ChrW(&H89C4) & ChrW(&H5219) & "!A1:H20, starting at A1); omitted = default rules")
    Application.MacroOptions Macro:="'" & ThisWorkbook.Name & "'!PERF_GRADE", _
        Description:="Grade label (" & ChrW(&H4F18) & "+, " & ChrW(&H4F18) & "-, " & ChrW(&H826F) & ChrW(&H597D) & ", " & ChrW(&H5DEE) & ", " & ChrW(&H6781) & ChrW(&H5DEE) & ") of a total score.", _
        Category:="Performance", _
        ArgumentDescriptions:=Array( _
            "Total score", _
            "Optional: the rules sheet table (e.g. " & ChrW(&H89C4) & ChrW(&H5219) & "!A1:H20, starting at A1); omitted = default rules")
    Application.MacroOptions Macro:="'" & ThisWorkbook.Name & "'!PERF_MULTIPLIER", _
        Description:="Bonus multiplier of a total score (1.2 " & ChrW(&H2026) & " 0.8 by default).", _
        Category:="Performance", _
        ArgumentDescriptions:=Array( _
            "Total score", _
            "Optional: the rules sheet table (e.g. " & ChrW(&H89C4) & ChrW(&H5219) & "!A1:H20, starting at A1); omitted = default rules")
    Application.MacroOptions Macro:="'" & ThisWorkbook.Name & "'!PERF_BONUS", _
        Description:="Bonus paid: base bonus " & ChrW(&HD7) & " multiplier, rounded half away from zero to cents.", _
        Category:="Performance", _
        ArgumentDescriptions:=Array( _
            "Base bonus (>= 0)", _
            "Total score", _
            "Optional: the rules sheet table (e.g. " & ChrW(&H89C4) & ChrW(&H5219) & "!A1:H20, starting at A1); omitted = default rules")
End Sub
